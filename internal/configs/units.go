package configs

import (
	"fmt"
	"path"
	"strings"
)

// Service is one Backend.AI service of the management node as the package install
// guide runs it: a directory with its venv and config under the account's home, a run
// script in ~/bin, and a systemd unit.
type Service struct {
	Name    string // manager, storage-proxy, webserver
	Package string // the PyPI package, backend.ai-<...>
	Module  string // the Python module the run script starts
	Config  string // the config file's name in the service's directory
	After   []string
	// Requires are units the service cannot run without (the agent: Docker).
	Requires []string
	// Root runs the service as root, as the guide's agent unit does: it manages the
	// sessions' containers, mounts and scratch directories.
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

// AgentService is the agent node's service (seed 002's agent unit).
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

// RunScript renders ~/bin/run-<service>.sh: the guide's runner, with the config file
// named explicitly.
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

// UnitFile renders the service's systemd unit (configs/systemd/backendai-*.service,
// as the package install guide adapts it: the account's UID/GID, the run script).
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
