package configs

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// The App Proxy's files on the management node: the coordinator's and the interactive
// worker's TOML (the keys of Backend.AI's configs/app-proxy-coordinator/halfstack.toml
// and configs/app-proxy-worker/halfstack.toml), and the coordinator's alembic.ini
// (halfstack.alembic.ini). The coordinator and the worker share three secrets, and the
// coordinator has its own database and role in the halfstack's PostgreSQL.

// Placeholders of the App Proxy's secrets.
const (
	AppProxyDBPassword    = "@BACKENDAI_APPPROXY_DB_PASSWORD@"     // the appproxy role's, in TOML
	AppProxyDBPasswordURL = "@BACKENDAI_APPPROXY_DB_PASSWORD_URL@" // in alembic.ini's database URL
	AppProxyAPISecret     = "@BACKENDAI_APPPROXY_API_SECRET@"      // the workers' (and the resource groups') token
	AppProxyJWTSecret     = "@BACKENDAI_APPPROXY_JWT_SECRET@"      // signs the coordinator's redirects to a worker
	AppProxyPermitSecret  = "@BACKENDAI_APPPROXY_PERMIT_SECRET@"   // the worker's app cookie
)

// AppProxy are the App Proxy's settings: its database, the coordinator's and the
// worker's API ports, the ports the worker opens apps on, and the host users' browsers
// reach both at.
type AppProxy struct {
	// DBName and DBUser are the coordinator's own database and role.
	DBName, DBUser string
	// CoordinatorPort and WorkerPort are the two API ports.
	CoordinatorPort, WorkerPort int
	// PortRange is the worker's app ports, first and last.
	PortRange [2]int
	// Host is the node's address, where the manager, the users' browsers and the
	// worker reach the coordinator, and the browsers the worker and its apps.
	Host string
	// Authority names the worker to the coordinator.
	Authority string
}

// AppProxyServices are the App Proxy's coordinator and its interactive worker, each in
// its directory with its venv and config, started as Backend.AI's installer starts
// them (`backend.ai app-proxy-<service> start-server -f <config>`).
func AppProxyServices(a AppProxy) (coordinator, worker Service) {
	service := func(name, pkg string, port int) Service {
		config := "app-proxy-" + name + ".toml"
		return Service{Name: "app-proxy-" + name, Package: pkg, Config: config, WaitPort: port,
			Command: fmt.Sprintf(".venv/bin/backend.ai app-proxy-%s start-server -f %s", name, config)}
	}
	return service("coordinator", "backend.ai-appproxy-coordinator", a.CoordinatorPort),
		service("worker", "backend.ai-appproxy-worker", a.WorkerPort)
}

type appProxySecrets struct {
	Secrets struct {
		APISecret string `toml:"api_secret"`
		JWTSecret string `toml:"jwt_secret"`
	} `toml:"secrets"`
	PermitHash struct {
		Secret string `toml:"secret"`
	} `toml:"permit_hash"`
}

func (a *appProxySecrets) put(p placer) {
	a.Secrets.APISecret, a.Secrets.JWTSecret, a.PermitHash.Secret = p.put(AppProxyAPISecret), p.put(AppProxyJWTSecret), p.put(AppProxyPermitSecret)
}

type redisSection struct {
	Addr Addr `toml:"addr,inline"`
}

type coordinatorFile struct {
	DB struct {
		Type        string `toml:"type"`
		Name        string `toml:"name"`
		User        string `toml:"user"`
		Password    string `toml:"password"`
		PoolSize    int    `toml:"pool_size"`
		MaxOverflow int    `toml:"max_overflow"`
		Addr        Addr   `toml:"addr,inline"`
	} `toml:"db"`
	Redis            redisSection `toml:"redis"`
	ProxyCoordinator struct {
		TLSListen            bool   `toml:"tls_listen"`
		TLSAdvertised        bool   `toml:"tls_advertised"`
		TLSCert              string `toml:"tls_cert,omitempty"`
		TLSPrivkey           string `toml:"tls_privkey,omitempty"`
		AiomonitorTermUIPort int    `toml:"aiomonitor_termui_port"`
		AiomonitorWebUIPort  int    `toml:"aiomonitor_webui_port"`
		// The manager configures a proxy (POST /v2/conf) without a token on every
		// supported line (manager/services/session/service.py), so the coordinator
		// must take it, as Backend.AI's own installers set it.
		AllowUnauthorizedConfigureRequest bool `toml:"allow_unauthorized_configure_request"`
		BindAddr                          Addr `toml:"bind_addr,inline"`
		AdvertisedAddr                    Addr `toml:"advertised_addr,inline"`
		AnnounceAddr                      Addr `toml:"announce_addr,inline"`
	} `toml:"proxy_coordinator"`
	appProxySecrets
	Logging logging `toml:"logging"`
	Debug   debug   `toml:"debug"`
}

type workerFile struct {
	Redis       redisSection `toml:"redis"`
	ProxyWorker struct {
		CoordinatorEndpoint  string   `toml:"coordinator_endpoint"`
		Authority            string   `toml:"authority"`
		TLSListen            bool     `toml:"tls_listen"`
		TLSAdvertised        bool     `toml:"tls_advertised"`
		TLSCert              string   `toml:"tls_cert,omitempty"`
		TLSPrivkey           string   `toml:"tls_privkey,omitempty"`
		AiomonitorTermUIPort int      `toml:"aiomonitor_termui_port"`
		AiomonitorWebUIPort  int      `toml:"aiomonitor_webui_port"`
		FrontendMode         string   `toml:"frontend_mode"`
		Protocol             string   `toml:"protocol"`
		AcceptedTraffics     []string `toml:"accepted_traffics"`
		APIBindAddr          Addr     `toml:"api_bind_addr,inline"`
		// The worker's app cookie has no domain: the browser sends it to the apps' host
		// only when the API's advertised host is that host (worker/api/setup.py).
		APIAdvertisedAddr Addr `toml:"api_advertised_addr,inline"`
		PortProxy         struct {
			BindHost       string `toml:"bind_host"`
			AdvertisedHost string `toml:"advertised_host"`
			BindPortRange  [2]int `toml:"bind_port_range"`
		} `toml:"port_proxy"`
	} `toml:"proxy_worker"`
	appProxySecrets
	Logging logging `toml:"logging"`
	Debug   debug   `toml:"debug"`
}

// Check reports an App Proxy setting that cannot be rendered into a working file.
func (a AppProxy) Check() error {
	switch {
	case a.DBName == "" || a.DBUser == "":
		return fmt.Errorf("appProxy: its database and role are required")
	case a.CoordinatorPort < 1 || a.WorkerPort < 1 || a.CoordinatorPort == a.WorkerPort:
		return fmt.Errorf("appProxy: ports %d and %d: two distinct ports", a.CoordinatorPort, a.WorkerPort)
	case a.PortRange[0] < 1 || a.PortRange[0] > a.PortRange[1]:
		return fmt.Errorf("appProxy: portRange %v: not a range", a.PortRange)
	case a.Host == "" || a.Authority == "":
		return fmt.Errorf("appProxy: its host and the worker's authority are required")
	}
	return nil
}

// Coordinator is the coordinator's address as the manager and the worker reach it.
func (a AppProxy) Coordinator() Addr { return Addr{Host: a.Host, Port: a.CoordinatorPort} }

// AppProxyCoordinatorTOML renders app-proxy-coordinator.toml: its database and the
// halfstack's Redis on the node's loopback, its API on every address, advertised at
// the node's.
func AppProxyCoordinatorTOML(s Settings, a AppProxy) (File, error) {
	if err := s.Check(); err != nil {
		return File{}, err
	}
	if err := a.Check(); err != nil {
		return File{}, err
	}
	p := newPlacer()
	var f coordinatorFile
	d := &f.DB
	d.Type, d.Name, d.User, d.Password, d.PoolSize, d.MaxOverflow, d.Addr = "postgresql", a.DBName, a.DBUser, p.put(AppProxyDBPassword), 8, 64, s.DB
	f.Redis.Addr = s.Redis
	c := &f.ProxyCoordinator
	c.AiomonitorTermUIPort, c.AiomonitorWebUIPort = spec.CoordinatorMonitorTermUIPort, spec.CoordinatorMonitorWebUIPort
	c.AllowUnauthorizedConfigureRequest = true
	c.BindAddr = Addr{Host: "0.0.0.0", Port: a.CoordinatorPort}
	c.AdvertisedAddr, c.AnnounceAddr = a.Coordinator(), a.Coordinator()
	if t := s.TLS; t != nil {
		// Browsers reach it from the Web UI's HTTPS page: HTTPS too.
		c.TLSListen, c.TLSAdvertised, c.TLSCert, c.TLSPrivkey = true, true, t.Cert, t.Key
	}
	f.appProxySecrets.put(p)
	f.Logging = logging{Level: "INFO", Drivers: []string{"console"}}
	return render("app-proxy-coordinator.toml", s.Line, f, p)
}

// AppProxyWorkerTOML renders app-proxy-worker.toml: an interactive worker in port mode
// (each app on a port of the range), its API and apps advertised at the node's address.
func AppProxyWorkerTOML(s Settings, a AppProxy) (File, error) {
	if err := s.Check(); err != nil {
		return File{}, err
	}
	if err := a.Check(); err != nil {
		return File{}, err
	}
	p := newPlacer()
	var f workerFile
	f.Redis.Addr = s.Redis
	w := &f.ProxyWorker
	w.CoordinatorEndpoint, w.Authority = s.URL(a.Coordinator()), a.Authority
	w.AiomonitorTermUIPort, w.AiomonitorWebUIPort = spec.WorkerMonitorTermUIPort, spec.WorkerMonitorWebUIPort
	w.FrontendMode, w.Protocol, w.AcceptedTraffics = "port", "http", []string{"interactive"}
	w.APIBindAddr = Addr{Host: "0.0.0.0", Port: a.WorkerPort}
	w.APIAdvertisedAddr = Addr{Host: a.Host, Port: a.WorkerPort}
	w.PortProxy.BindHost, w.PortProxy.AdvertisedHost, w.PortProxy.BindPortRange = "0.0.0.0", a.Host, a.PortRange
	if t := s.TLS; t != nil {
		// Its API (the app cookie's setup) and the apps' ports serve HTTPS, advertised so.
		w.TLSListen, w.TLSAdvertised, w.TLSCert, w.TLSPrivkey = true, true, t.Cert, t.Key
	}
	f.appProxySecrets.put(p)
	f.Logging = logging{Level: "INFO", Drivers: []string{"console"}}
	return render("app-proxy-worker.toml", s.Line, f, p)
}

// AppProxyAlembicINI renders the coordinator's alembic-appproxy.ini, which its schema
// migrations read the database from (asyncpg: its env.py is async).
func AppProxyAlembicINI(s Settings, a AppProxy) (File, error) {
	if err := a.Check(); err != nil {
		return File{}, err
	}
	p := newPlacer()
	dsn := fmt.Sprintf("postgresql+asyncpg://%s:%s@%s/%s", url.User(a.DBUser), p.put(AppProxyDBPasswordURL), s.DB, a.DBName)
	return p.file(alembicINI(s.Line, "ai.backend.appproxy.coordinator.models:alembic", dsn)), nil
}

// AppProxySecretValues are the replacements of the App Proxy's placeholders, each
// escaped for where it sits (as SecretValues).
func AppProxySecretValues(dbPassword, apiSecret, jwtSecret, permitSecret string) map[string]string {
	return map[string]string{
		AppProxyDBPassword:    tomlEscape(dbPassword),
		AppProxyDBPasswordURL: strings.ReplaceAll(userinfoEscape(dbPassword), "%", "%%"),
		AppProxyAPISecret:     tomlEscape(apiSecret),
		AppProxyJWTSecret:     tomlEscape(jwtSecret),
		AppProxyPermitSecret:  tomlEscape(permitSecret),
	}
}
