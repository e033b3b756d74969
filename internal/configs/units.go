package configs

import (
	"fmt"
	"path"
	"strings"
)

// Service is one Backend.AI service of the management node as Backend.AI's install guide
// runs it (docs/install/install-from-package/install-manager.rst,
// install-storage-proxy.rst and install-webserver.rst at 26.8.1): a directory with its
// venv and config under the account's home, a run script in ~/bin, and a systemd unit
// ("Register systemd service").
type Service struct {
	Name    string // manager, storage-proxy, webserver
	Package string // the PyPI package, backend.ai-<...>
	Module  string // the Python module the run script starts
	Config  string // the config file's name in the service's directory
	After   []string
	// Requires are units the service cannot run without (the agent: Docker).
	Requires []string
	// Root runs the service as root, as the agent's unit in install-agent.rst ("Register
	// systemd service") does: it manages the sessions' containers, mounts and scratch
	// directories.
	Root bool
	// WaitPort, when set, is a TCP port the service listens on once started: its step
	// waits for it.
	WaitPort int
	// Command, when set, is what the run script starts in the service's directory, in
	// place of the venv's Python module (the GraphQL gateway runs on Node.js).
	Command string
}

// Services are the management node's services, in the order they start.
var Services = []Service{
	{Name: "manager", Package: "backend.ai-manager", Module: "ai.backend.manager.server", Config: "manager.toml"},
	{Name: "storage-proxy", Package: "backend.ai-storage-proxy", Module: "ai.backend.storage.server", Config: "storage-proxy.toml"},
	{Name: "webserver", Package: "backend.ai-webserver", Module: "ai.backend.web.server", Config: "webserver.conf",
		After: []string{"backendai-manager.service"}},
}

// AgentService is the agent node's service (the agent's unit of "Register systemd
// service" in Backend.AI's docs/install/install-from-package/install-agent.rst at 26.8.1,
// which runs it as root), after and requiring Docker.
var AgentService = Service{Name: "agent", Package: "backend.ai-agent", Module: "ai.backend.agent.server", Config: "agent.toml",
	After: []string{"docker.service"}, Requires: []string{"docker.service"}, Root: true}

// GatewayService is the GraphQL gateway (the Hive Gateway of Backend.AI's halfstack),
// serving the supergraph in its directory on the loopback at port, once the manager
// runs. It reads gateway.config.mjs from its directory.
func GatewayService(port int) Service {
	return Service{Name: "graphql-gateway", Config: "gateway.config.mjs", After: []string{"backendai-manager.service"}, WaitPort: port,
		Command: fmt.Sprintf("node_modules/.bin/hive-gateway supergraph supergraph.graphql --host 127.0.0.1 --port %d", port)}
}

// Account is who runs the services.
type Account struct {
	Name     string
	UID, GID int
}

// Dir is the service's directory: its venv, config and pid file.
func (s Service) Dir(home string) string { return path.Join(home, s.Name) }

// Unit is the service's systemd unit name.
func (s Service) Unit() string { return "backendai-" + s.Name + ".service" }

// RunScript renders ~/bin/run-<service>.sh: the runner of "Register systemd service" in
// the install guide's pages, with the config file named explicitly.
func (s Service) RunScript(home string) string {
	dir := s.Dir(home)
	if s.Command != "" {
		return fmt.Sprintf(`#!/bin/bash
# Rendered by backendai-infra: starts Backend.AI's %s.
set -e
if [ -z "$HOME" ]; then
  export HOME=%q
fi
cd %q
exec %s
`, s.Name, home, dir, s.Command)
	}
	return fmt.Sprintf(`#!/bin/bash
# Rendered by backendai-infra: starts Backend.AI's %s from its venv.
set -e
if [ -z "$HOME" ]; then
  export HOME=%q
fi
cd %q
source .venv/bin/activate
if [ "$#" -eq 0 ]; then
  exec python -m %s -f %q
else
  exec "$@"
fi
`, s.Name, home, dir, s.Module, path.Join(dir, s.Config))
}

// UnitFile renders the service's systemd unit (Backend.AI's
// configs/systemd/backendai-*.service at 26.8.1, as the install guide's pages adapt it in
// "Register systemd service": the account's UID/GID, the run script).
func (s Service) UnitFile(home string, a Account) string {
	after := append([]string{"network.target", "remote-fs.target"}, s.After...)
	requires := append([]string{"network.target"}, s.Requires...)
	user := fmt.Sprintf("User=%d\nGroup=%d\n", a.UID, a.GID)
	if s.Root {
		user = ""
	}
	return fmt.Sprintf(`# Rendered by backendai-infra.
[Unit]
Description=Backend.AI %s
Requires=%s
After=%s

[Service]
Type=simple
ExecStart=%s
PIDFile=%s
%sWorkingDirectory=%s
TimeoutStopSec=5
KillMode=process
KillSignal=SIGTERM
PrivateTmp=false
Restart=on-failure
RestartSec=10
LimitNOFILE=5242880
LimitNPROC=131072

[Install]
WantedBy=multi-user.target
`, s.Name, strings.Join(requires, " "), strings.Join(after, " "), path.Join(home, "bin", "run-"+s.Name+".sh"),
		path.Join(s.Dir(home), s.Name+".pid"), user, s.Dir(home))
}
