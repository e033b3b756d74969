package configs

import (
	"path"
	"strings"
)

// webserverFile is configs/webserver/halfstack.conf's keys (the snake_case form the
// webserver reads from webserver.conf), pointed at this cluster's manager and Redis.
type webserverFile struct {
	Service struct {
		IP           string `toml:"ip"`
		Port         int    `toml:"port"`
		Mode         string `toml:"mode"`
		EnableSignup bool   `toml:"enable_signup"`
		WebUIDebug   bool   `toml:"webui_debug"`
		// HTTPS with the node's certificate (services.tls).
		SSLEnabled bool   `toml:"ssl_enabled,omitempty"`
		SSLCert    string `toml:"ssl_cert,omitempty"`
		SSLPrivkey string `toml:"ssl_privkey,omitempty"`
		WSProxy    struct {
			URL string `toml:"url"`
		} `toml:"wsproxy"`
	} `toml:"service"`
	Resources struct {
		OpenPortToPublic           bool  `toml:"open_port_to_public"`
		AllowNonAuthTCP            bool  `toml:"allow_non_auth_tcp"`
		AllowPreferredPort         bool  `toml:"allow_preferred_port"`
		MaxCPUCoresPerContainer    int   `toml:"max_cpu_cores_per_container"`
		MaxMemoryPerContainer      int   `toml:"max_memory_per_container"`
		MaxCUDADevicesPerContainer int   `toml:"max_cuda_devices_per_container"`
		MaxCUDASharesPerContainer  int   `toml:"max_cuda_shares_per_container"`
		MaxShmPerContainer         int   `toml:"max_shm_per_container"`
		MaxFileUploadSize          int64 `toml:"max_file_upload_size"`
	} `toml:"resources"`
	Security struct {
		CookieSecure     bool     `toml:"cookie_secure"`
		RequestPolicies  []string `toml:"request_policies"`
		ResponsePolicies []string `toml:"response_policies"`
	} `toml:"security"`
	UI struct {
		MenuBlocklist string `toml:"menu_blocklist"`
	} `toml:"ui"`
	API struct {
		Domain        string `toml:"domain"`
		Endpoint      string `toml:"endpoint"`
		Text          string `toml:"text"`
		SSLVerify     bool   `toml:"ssl_verify"`
		AuthTokenName string `toml:"auth_token_name"`
	} `toml:"api"`
	Session struct {
		MaxAge                  int  `toml:"max_age"`
		FlushOnStartup          bool `toml:"flush_on_startup"`
		LoginBlockTime          int  `toml:"login_block_time"`
		LoginAllowedFailCount   int  `toml:"login_allowed_fail_count"`
		MaxCountForPreopenPorts int  `toml:"max_count_for_preopen_ports"`
		Redis                   struct {
			Addr string `toml:"addr,omitempty"`
			// A management plane of several nodes: the Sentinels, "host:port,..." (the
			// common RedisConfig's string form), and the master's name.
			Sentinel    string `toml:"sentinel,omitempty"`
			ServiceName string `toml:"service_name,omitempty"`
		} `toml:"redis"`
	} `toml:"session"`
	Webserver struct {
		PIDFile     string `toml:"pid-file"`
		IPCBasePath string `toml:"ipc-base-path,omitempty"`
	} `toml:"webserver"`
	// The GraphQL gateway: its endpoints are one comma-separated string (the webserver
	// reads a list as one malformed URL).
	ApolloRouter *struct {
		Enabled   bool   `toml:"enabled"`
		Endpoints string `toml:"endpoints"`
	} `toml:"apollo-router,omitempty"`
	Logging logging `toml:"logging"`
	Debug   debug   `toml:"debug"`
}

// WebserverAddr is where the webserver answers: the management node's address (the
// manager's host) at the webserver's port.
func (s Settings) WebserverAddr() Addr { return Addr{Host: s.Manager.Host, Port: s.Webserver.Port} }

// WebserverURL is the Web UI's URL: https when the node serves TLS.
func (s Settings) WebserverURL() string { return s.URL(s.WebserverAddr()) }

// WebserverDir is the webserver's directory under the account's home.
func (s Settings) WebserverDir() string { return path.Join(s.Home, "webserver") }

// WebserverConf renders webserver.conf.
func WebserverConf(s Settings) (File, error) {
	if err := s.Check(); err != nil {
		return File{}, err
	}
	p := newPlacer()
	var f webserverFile
	f.Service.IP, f.Service.Port, f.Service.Mode = "0.0.0.0", s.Webserver.Port, "webui"
	if t := s.TLS; t != nil {
		// Served over HTTPS: its login cookie too goes over HTTPS only.
		f.Service.SSLEnabled, f.Service.SSLCert, f.Service.SSLPrivkey = true, t.Cert, t.Key
		f.Security.CookieSecure = true
	}
	r := &f.Resources
	r.MaxCPUCoresPerContainer, r.MaxMemoryPerContainer = 64, 64
	r.MaxCUDADevicesPerContainer, r.MaxCUDASharesPerContainer, r.MaxShmPerContainer = 16, 16, 2
	r.MaxFileUploadSize = 4294967296
	f.Security.RequestPolicies = []string{"reject_metadata_local_link_policy", "reject_access_for_unsafe_file_policy"}
	f.Security.ResponsePolicies = []string{"set_content_type_nosniff_policy"}
	f.UI.MenuBlocklist = "pipeline"
	f.API.Domain, f.API.Endpoint, f.API.Text = s.Webserver.Domain, s.Manager.HTTP(), s.Webserver.Title
	f.API.SSLVerify, f.API.AuthTokenName = true, "sToken"
	ss := &f.Session
	ss.MaxAge, ss.LoginBlockTime, ss.LoginAllowedFailCount, ss.MaxCountForPreopenPorts = s.Webserver.MaxSessionAge, 1200, 10, 10
	ss.Redis.Addr = s.Redis.String()
	if p := s.Plane; p != nil {
		ss.Redis.Addr, ss.Redis.Sentinel, ss.Redis.ServiceName = "", p.SentinelList(), p.SentinelService
		// Every manager, comma-separated: the webserver spreads requests and logins over
		// those that answer /health/readyz (lablup/backend.ai#12538, fixed in 26.4.8
		// and 26.8.0).
		endpoints := make([]string, len(p.Managers))
		for i, a := range p.Managers {
			endpoints[i] = a.HTTP()
		}
		f.API.Endpoint = strings.Join(endpoints, ",")
	}
	f.Webserver.PIDFile = path.Join(s.WebserverDir(), "webserver.pid")
	f.Webserver.IPCBasePath = s.ipcBasePath(s.WebserverDir(), "")
	if port := s.Webserver.GatewayPort; port > 0 {
		f.ApolloRouter = &struct {
			Enabled   bool   `toml:"enabled"`
			Endpoints string `toml:"endpoints"`
		}{true, Addr{Host: "127.0.0.1", Port: port}.HTTP()}
	}
	f.Logging = logging{Level: "INFO", Drivers: []string{"console"}}
	return render("webserver.conf", s.Line, f, p)
}
