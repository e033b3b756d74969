package spec

import (
	"net/url"
	"regexp"
)

// Services are the settings of the Backend.AI services the stack installs.
type Services struct {
	// PackageIndex is the PEP 503 index the backend.ai-* packages come from; empty, the
	// index pip is configured with on each node.
	PackageIndex string `json:"packageIndex"`
	// Python is where the services' Python comes from.
	Python Python `json:"python"`
	// ManagerPort is the manager API's port.
	ManagerPort int `json:"managerPort"`
	// Webserver is the web UI's server.
	Webserver WebserverSettings `json:"webserver"`
	// ImageRegistries are rescanned for kernel images once the manager is installed
	// (`backend.ai mgr image rescan <registry>`, seed 002 step 22).
	ImageRegistries []string `json:"imageRegistries"`
	// ImageAliases name kernel images for this cluster's architecture, alias → image
	// (`backend.ai mgr image alias`, e.g. python → cr.backend.ai/stable/python:3.13-ubuntu24.04-amd64).
	ImageAliases map[string]string `json:"imageAliases"`
}

// Python selects the services' interpreter: "distro" (python3 from the distribution) or
// "standalone" (a python-build-standalone archive from URL, checked against SHA256).
type Python struct {
	Source  string `json:"source"`
	URL     string `json:"url"`
	SHA256  string `json:"sha256"`
	Version string `json:"version"`
}

// WebserverSettings are the webserver's own settings.
type WebserverSettings struct {
	Port  int    `json:"port"`
	Title string `json:"title"`
}

// Service defaults (backendai-facts.md section 8's ports).
const (
	DefaultManagerPort   = 8081
	DefaultWebserverPort = 8090
	DefaultWebTitle      = "Backend.AI"
	DefaultImageRegistry = "cr.backend.ai"
)

func defaultServices() Services {
	return Services{
		Python:          Python{Source: "distro"},
		ManagerPort:     DefaultManagerPort,
		Webserver:       WebserverSettings{Port: DefaultWebserverPort, Title: DefaultWebTitle},
		ImageRegistries: []string{DefaultImageRegistry},
	}
}

var (
	sha256Hex     = regexp.MustCompile(`^[0-9a-f]{64}$`)
	pythonVersion = regexp.MustCompile(`^3\.\d+\.\d+$`)
)

func (s Services) validate(bad func(field, format string, args ...any)) {
	if u, err := url.Parse(s.PackageIndex); s.PackageIndex != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
		bad("services.packageIndex", "%q is not an http(s) URL", s.PackageIndex)
	}
	switch s.Python.Source {
	case "distro":
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
		bad("services.python.source", "%q is not one of \"distro\", \"standalone\"", s.Python.Source)
	}
}
