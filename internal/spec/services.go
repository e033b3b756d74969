package spec

import (
	"net/url"
	"regexp"
	"strings"
)

// Services are the settings of the Backend.AI services the stack installs.
type Services struct {
	// PackageIndex is the PEP 503 index the backend.ai-* packages come from; empty, the
	// index pip is configured with on each node.
	PackageIndex string `json:"packageIndex,omitempty" pulumi:"packageIndex,optional"`
	// Python is where the services' Python comes from.
	Python *Python `json:"python,omitempty" pulumi:"python,optional"`
	// ManagerPort is the manager API's port.
	ManagerPort int `json:"managerPort,omitempty" pulumi:"managerPort,optional"`
	// Webserver is the web UI's server.
	Webserver *WebserverSettings `json:"webserver,omitempty" pulumi:"webserver,optional"`
	// ImageRegistries are rescanned for kernel images once the manager is installed
	// (`backend.ai mgr image rescan <registry>`, as "Sync the information of container
	// registry" in Backend.AI's `docs/install/install-from-package/install-manager.rst` at
	// 26.8.1 does).
	ImageRegistries []string `json:"imageRegistries,omitempty" pulumi:"imageRegistries,optional"`
	// GraphQLGateway is the GraphQL federation gateway the web UI's queries go through.
	GraphQLGateway *GraphQLGateway `json:"graphqlGateway,omitempty" pulumi:"graphqlGateway,optional"`
	// ImageAliases name kernel images for this cluster's architecture, alias → image
	// (`backend.ai mgr image alias`, e.g. python → cr.backend.ai/stable/python:3.13-ubuntu24.04-amd64).
	ImageAliases map[string]string `json:"imageAliases,omitempty" pulumi:"imageAliases,optional"`
	// AppProxy is what the Web UI opens sessions' apps through (Jupyter, a terminal): the
	// App Proxy's coordinator and an interactive worker on the management node.
	AppProxy *AppProxy `json:"appProxy,omitempty" pulumi:"appProxy,optional"`
	// TLS serves the webserver and the App Proxy's worker over HTTPS; without it, HTTP.
	TLS *TLS `json:"tls,omitempty" pulumi:"tls,optional"`
}

// AppProxy is Backend.AI's App Proxy (backend.ai-appproxy-coordinator and -worker, of
// the cluster's release), in port mode: each app a session opens gets a port of the
// worker's range, which users' browsers reach at the management node's address.
type AppProxy struct {
	// Enabled false leaves it out: sessions run, but the Web UI cannot open their apps.
	Enabled *bool `json:"enabled,omitempty" pulumi:"enabled,optional"`
	// CoordinatorPort is the coordinator's API, which the manager and browsers reach.
	CoordinatorPort int `json:"coordinatorPort,omitempty" pulumi:"coordinatorPort,optional"`
	// WorkerPort is the interactive worker's API, which browsers reach.
	WorkerPort int `json:"workerPort,omitempty" pulumi:"workerPort,optional"`
	// PortRange is the ports the worker opens sessions' apps on, [first, last].
	PortRange []int `json:"portRange,omitempty" pulumi:"portRange,optional"`
}

// On says whether the App Proxy is deployed (its default).
func (a AppProxy) On() bool { return isOn(a.Enabled) }

// Python selects the services' interpreter: source "distro" (python3 from the
// distribution), "uv" (a python-build-standalone build that uv installs, from uv's
// default source or mirror) or "standalone" (a python-build-standalone archive from url,
// checked against sha256). uv, of the release the uv setting pins, makes the venvs and
// installs the packages in every case.
type Python struct {
	Source  string `json:"source,omitempty" pulumi:"source,optional"`
	URL     string `json:"url,omitempty" pulumi:"url,optional"`
	SHA256  string `json:"sha256,omitempty" pulumi:"sha256,optional"`
	Version string `json:"version,omitempty" pulumi:"version,optional"`
	// Mirror replaces uv's source of Python builds (UV_PYTHON_INSTALL_MIRROR), for hosts
	// that reach only a mirror of python-build-standalone's releases.
	Mirror string `json:"mirror,omitempty" pulumi:"mirror,optional"`
	// UV is the release of uv (PyPI: uv) installed on every node, pinned.
	UV string `json:"uv,omitempty" pulumi:"uv,optional"`
}

// WebserverSettings are the webserver's own settings.
type WebserverSettings struct {
	Port  int    `json:"port,omitempty" pulumi:"port,optional"`
	Title string `json:"title,omitempty" pulumi:"title,optional"`
}

// GraphQLGateway is the GraphQL federation gateway of Backend.AI's halfstack: the Hive
// Gateway (@graphql-hive/gateway, from npm) serving the supergraph composed from the
// manager's own subgraph schemas. The webserver sends the web UI's GraphQL queries to
// it (its [apollo-router] settings); the web UI of 26.9 needs it for its first query.
type GraphQLGateway struct {
	// Enabled false leaves it out: the webserver sends GraphQL to the manager directly.
	Enabled *bool `json:"enabled,omitempty" pulumi:"enabled,optional"`
	// Port is where it listens, on the management node's loopback.
	Port int `json:"port,omitempty" pulumi:"port,optional"`
	// Version is the @graphql-hive/gateway release, pinned.
	Version string `json:"version,omitempty" pulumi:"version,optional"`
	// Registry is the npm registry its packages come from; empty, the registry npm is
	// configured with on the node.
	Registry string `json:"registry,omitempty" pulumi:"registry,optional"`
}

// Service defaults (backendai-facts.md section 8's ports).
const (
	DefaultManagerPort   = 8081
	DefaultWebserverPort = 8090
	DefaultWebTitle      = "Backend.AI"
	DefaultImageRegistry = "cr.backend.ai"
	DefaultGatewayPort   = 4000
	// DefaultGatewayVersion is the newest @graphql-hive/gateway that runs on Debian 13's
	// Node.js 20.
	DefaultGatewayVersion = "2.15.1"
	// DefaultUV is the uv release the nodes install.
	DefaultUV = "0.13.9"
	// The App Proxy's ports, as Backend.AI's installers set them (scripts/install-dev.sh,
	// configs/app-proxy-*/halfstack.toml).
	DefaultCoordinatorPort = 10200
	DefaultWorkerPort      = 10201
	DefaultAppPortFirst    = 10205
	DefaultAppPortLast     = 10300
)

// PythonOf is the Python (major.minor) each release line's packages require (their
// Requires-Python: >=3.13,<3.14 for backend.ai-manager 26.4.10, 26.8.1 and 26.9.6).
var PythonOf = map[string]string{"26.4": "3.13", "26.8": "3.13", "26.9": "3.13"}

func defaultServices() Services {
	return Services{
		Python:          &Python{Source: "distro", UV: DefaultUV},
		ManagerPort:     DefaultManagerPort,
		Webserver:       &WebserverSettings{Port: DefaultWebserverPort, Title: DefaultWebTitle},
		ImageRegistries: []string{DefaultImageRegistry},
		GraphQLGateway:  &GraphQLGateway{Enabled: On(), Port: DefaultGatewayPort, Version: DefaultGatewayVersion},
		AppProxy: &AppProxy{Enabled: On(), CoordinatorPort: DefaultCoordinatorPort, WorkerPort: DefaultWorkerPort,
			PortRange: []int{DefaultAppPortFirst, DefaultAppPortLast}},
	}
}

var (
	sha256Hex     = regexp.MustCompile(`^[0-9a-f]{64}$`)
	pythonVersion = regexp.MustCompile(`^3\.\d+\.\d+$`)
	pythonMinor   = regexp.MustCompile(`^3\.\d+(\.\d+)?$`)
	npmVersion    = regexp.MustCompile(`^\d+\.\d+\.\d+$`)
)

func (s Services) validate(bad func(field, format string, args ...any)) {
	if u, err := url.Parse(s.PackageIndex); s.PackageIndex != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
		bad("services.packageIndex", "%q is not an http(s) URL", s.PackageIndex)
	}
	if g := s.GraphQLGateway; g.On() {
		if u, err := url.Parse(g.Registry); g.Registry != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
			bad("services.graphqlGateway.registry", "%q is not an http(s) URL of an npm registry", g.Registry)
		}
		if g.Port < 1 || g.Port > 65535 {
			bad("services.graphqlGateway.port", "%d is not a TCP port", g.Port)
		}
		if !npmVersion.MatchString(g.Version) {
			bad("services.graphqlGateway.version", "%q is not a release of @graphql-hive/gateway like %s", g.Version, DefaultGatewayVersion)
		}
	}
	if a := s.AppProxy; a.On() {
		if r := a.PortRange; len(r) != 2 || r[0] < 1025 || r[1] > 65535 || r[0] > r[1] {
			bad("services.appProxy.portRange", "%v is not [first, last] of ports in 1025..65535", r)
		}
	}
	if !npmVersion.MatchString(s.Python.UV) {
		bad("services.python.uv", "%q is not a release of uv like %s", s.Python.UV, DefaultUV)
	}
	if s.Python.Mirror != "" && s.Python.Source != "uv" {
		bad("services.python.mirror", "is for source \"uv\" only (source is %q)", s.Python.Source)
	}
	switch s.Python.Source {
	case "distro":
	case "uv":
		if u, err := url.Parse(s.Python.Mirror); s.Python.Mirror != "" && (err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "") {
			bad("services.python.mirror", "%q is not an http(s) URL of a python-build-standalone mirror", s.Python.Mirror)
		}
		if s.Python.Version != "" && !pythonMinor.MatchString(s.Python.Version) {
			bad("services.python.version", "%q is not a Python version like 3.13 or 3.13.7", s.Python.Version)
		}
	case "standalone":
		if u, err := url.Parse(s.Python.URL); err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
			bad("services.python.url", "%q is not an http(s) URL of a python-build-standalone archive", s.Python.URL)
		}
		if !sha256Hex.MatchString(s.Python.SHA256) {
			bad("services.python.sha256", "the archive's SHA-256 (64 hex digits) is required")
		}
		if !pythonVersion.MatchString(s.Python.Version) {
			bad("services.python.version", "%q is not a Python version like 3.13.7", s.Python.Version)
		}
	default:
		bad("services.python.source", "%q is not one of \"distro\", \"uv\", \"standalone\"", s.Python.Source)
	}
}

// PythonVersion is the Python the services run on: the version the stack gives for uv
// or a standalone archive, else the one the release line requires.
func (c Cluster) PythonVersion() string {
	if c.Services.Python.Source != "distro" && c.Services.Python.Version != "" {
		return c.Services.Python.Version
	}
	return PythonOf[c.Line()]
}

// validatePython refuses a Python the release's packages cannot run on, before any
// host is touched (a distribution's Python is checked by the python step).
func (c Cluster) validatePython(bad func(field, format string, args ...any)) {
	need, ok := PythonOf[c.Line()]
	v := c.Services.Python.Version
	if !ok || c.Services.Python.Source == "distro" || v == "" {
		return
	}
	if v != need && !strings.HasPrefix(v, need+".") {
		bad("services.python.version", "Python %s cannot run Backend.AI %s, whose packages need Python %s", v, c.Version, need)
	}
}
