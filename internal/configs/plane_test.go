package configs

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

func planeSettings() Settings {
	s := prodSettings("26.8")
	s.Plane = &Plane{
		Etcd:      []Addr{{"10.20.30.10", 8120}, {"10.20.30.11", 8120}, {"10.20.30.12", 8120}},
		Sentinels: []Addr{{"10.20.30.10", 26379}, {"10.20.30.11", 26379}, {"10.20.30.12", 26379}}, SentinelService: "backendai",
		Managers:            []Addr{{"10.20.30.10", 8081}, {"10.20.30.11", 8081}, {"10.20.30.12", 8081}},
		StorageProxyManager: Addr{"127.0.0.1", 16022},
	}
	return s
}

// TestPlaneFiles: in a management plane of several nodes every service lists every etcd
// member; the webserver keeps its sessions through the Sentinels and sends requests to
// every manager. Checked by parsing the files as the services read them.
func TestPlaneFiles(t *testing.T) {
	s := planeSettings()
	members := []any{
		map[string]any{"host": "10.20.30.10", "port": int64(8120)},
		map[string]any{"host": "10.20.30.11", "port": int64(8120)},
		map[string]any{"host": "10.20.30.12", "port": int64(8120)},
	}
	agent, err := AgentTOML(s, prodAgent())
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]renderer{"manager.toml": ManagerTOML, "storage-proxy.toml": StorageProxyTOML,
		"agent.toml": func(Settings) (File, error) { return agent, nil }} {
		f, err := r(s)
		if err != nil {
			t.Fatal(err)
		}
		var parsed map[string]any
		if err := toml.Unmarshal([]byte(f.Text), &parsed); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := parsed["etcd"].(map[string]any)["addr"]
		if !reflect.DeepEqual(got, members) {
			t.Errorf("%s [etcd] addr = %v, want every member %v", name, got, members)
		}
	}
	f, err := WebserverConf(s)
	if err != nil {
		t.Fatal(err)
	}
	var web map[string]any
	if err := toml.Unmarshal([]byte(f.Text), &web); err != nil {
		t.Fatal(err)
	}
	redis := web["session"].(map[string]any)["redis"].(map[string]any)
	if redis["sentinel"] != "10.20.30.10:26379,10.20.30.11:26379,10.20.30.12:26379" || redis["service_name"] != "backendai" || redis["addr"] != nil {
		t.Errorf("[session.redis] = %v, want the Sentinels and the service name, no addr", redis)
	}
	if got, want := web["api"].(map[string]any)["endpoint"], "http://10.20.30.10:8081,http://10.20.30.11:8081,http://10.20.30.12:8081"; got != want {
		t.Errorf("[api] endpoint = %v, want %s", got, want)
	}
}

// TestPlaneStorageProxies: the managers reach the storage proxies through the node's
// HAProxy, which sends every request to the first node's proxy that answers, in the
// nodes' order; users' clients keep the storage proxy's own client API.
func TestPlaneStorageProxies(t *testing.T) {
	s := planeSettings()
	proxy := VolumesTree(s, "10.20.30.10")["proxies"].(map[string]any)[s.StorageProxy.Name].(map[string]any)
	if proxy["manager_api"] != "http://127.0.0.1:16022" || proxy["client_api"] != "http://10.20.30.10:6021" {
		t.Errorf("volumes/proxies/%s = %v, want the manager API through 127.0.0.1:16022 and the client API at 10.20.30.10:6021", s.StorageProxy.Name, proxy)
	}
	p := PlaneNode{Name: "bai-m2", Address: "10.20.30.11", ProxyPort: 8100, PostgresPort: 5432, PatroniPort: 8008,
		StorageProxyPort: 6022, StorageFrontPort: 16022,
		Members: []PlaneMember{{"bai-m1", "10.20.30.10"}, {"bai-m2", "10.20.30.11"}, {"bai-m3", "10.20.30.12"}}}
	conf := p.HAProxyConf()
	_, section, _ := strings.Cut(conf, "listen storage-proxy-manager\n")
	for _, want := range []string{"bind 127.0.0.1:16022", "balance first",
		"server bai-m1 10.20.30.10:6022 check\n    server bai-m2 10.20.30.11:6022 check\n    server bai-m3 10.20.30.12:6022 check"} {
		if !strings.Contains(section, want) {
			t.Errorf("HAProxy's storage-proxy-manager section lacks %q:\n%s", want, conf)
		}
	}
}
