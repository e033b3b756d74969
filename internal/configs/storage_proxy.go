package configs

import (
	"path"
)

// storageProxyFile is configs/storage-proxy/halfstack.toml's keys. The manager-facing
// API runs without TLS, as Backend.AI's
// docs/install/install-from-package/install-storage-proxy.rst (26.8.1) sets it up; the
// manager reaches it at volumes/proxies/<name>/manager_api with the shared secret.
type storageProxyFile struct {
	Etcd         etcdSection `toml:"etcd"`
	StorageProxy struct {
		NodeID        string `toml:"node-id"`
		NumProc       int    `toml:"num-proc"`
		PIDFile       string `toml:"pid-file"`
		IPCBasePath   string `toml:"ipc-base-path,omitempty"`
		EventLoop     string `toml:"event-loop"`
		ScandirLimit  int    `toml:"scandir-limit"`
		MaxUploadSize string `toml:"max-upload-size"`
		Secret        string `toml:"secret"`
		SessionExpire string `toml:"session-expire"`
		UseWatcher    bool   `toml:"use-watcher"`
	} `toml:"storage-proxy"`
	API struct {
		Client struct {
			ServiceAddr Addr `toml:"service-addr,inline"`
			SSLEnabled  bool `toml:"ssl-enabled"`
		} `toml:"client"`
		Manager struct {
			ServiceAddr  Addr   `toml:"service-addr,inline"`
			InternalAddr Addr   `toml:"internal-addr,inline"`
			SSLEnabled   bool   `toml:"ssl-enabled"`
			Secret       string `toml:"secret"`
		} `toml:"manager"`
	} `toml:"api"`
	Volume  map[string]volumeSection `toml:"volume"`
	Logging logging                  `toml:"logging"`
	Debug   debug                    `toml:"debug"`
}

type volumeSection struct {
	Backend string `toml:"backend"`
	Path    string `toml:"path"`
}

// StorageProxyDir is the storage proxy's directory under the account's home.
func (s Settings) StorageProxyDir() string { return path.Join(s.Home, "storage-proxy") }

// StorageProxyTOML renders storage-proxy.toml.
func StorageProxyTOML(s Settings) (File, error) {
	if err := s.Check(); err != nil {
		return File{}, err
	}
	p := newPlacer()
	var f storageProxyFile
	f.Etcd = etcdSection{Namespace: s.Namespace, Addr: s.etcdAddr(s.Etcd)}
	sp := &f.StorageProxy
	sp.NodeID, sp.NumProc, sp.EventLoop = s.StorageProxy.NodeID, 1, "uvloop"
	sp.PIDFile = path.Join(s.StorageProxyDir(), "storage-proxy.pid")
	sp.IPCBasePath = s.ipcBasePath(s.StorageProxyDir(), "")
	sp.ScandirLimit, sp.MaxUploadSize, sp.SessionExpire = 1000, "100g", "1d"
	sp.Secret = p.put(StorageProxyJWT)
	f.API.Client.ServiceAddr = Addr{Host: "0.0.0.0", Port: s.StorageProxy.ClientPort}
	f.API.Manager.ServiceAddr = Addr{Host: "0.0.0.0", Port: s.StorageProxy.ManagerPort}
	f.API.Manager.InternalAddr = Addr{Host: "127.0.0.1", Port: 16023}
	f.API.Manager.Secret = p.put(StorageProxySecret)
	f.Volume = map[string]volumeSection{}
	for _, v := range s.StorageProxy.Volumes {
		f.Volume[v.Name] = volumeSection{Backend: v.Backend, Path: v.Path}
	}
	f.Logging = logging{Level: "INFO", Drivers: []string{"console"}}
	return render("storage-proxy.toml", s.Line, f, p)
}

// VolumesTree is the etcd tree under "volumes" that tells the manager about this
// storage proxy (sample.etcd.volumes.json's shape); its secret goes in SecretVolumesTree.
func VolumesTree(s Settings, clientHost string) map[string]any {
	manager := Addr{Host: s.Manager.Host, Port: s.StorageProxy.ManagerPort}
	if s.Plane != nil {
		manager = s.Plane.StorageProxyManager
	}
	return map[string]any{
		"_types":              map[string]any{"group": "", "user": ""},
		"default_host":        s.StorageProxy.Name + ":" + s.StorageProxy.Volumes[0].Name,
		"exposed_volume_info": "percentage",
		"proxies": map[string]any{s.StorageProxy.Name: map[string]any{
			"client_api":  Addr{Host: clientHost, Port: s.StorageProxy.ClientPort}.HTTP(),
			"manager_api": manager.HTTP(),
			"ssl_verify":  "false",
		}},
	}
}

// SecretVolumesTree holds the secret the manager and the storage proxy share; the
// key tree merges it into VolumesTree. Its value is what replaces StorageProxySecret.
func SecretVolumesTree(s Settings, secret any) map[string]any {
	return map[string]any{"proxies": map[string]any{s.StorageProxy.Name: map[string]any{"secret": secret}}}
}
