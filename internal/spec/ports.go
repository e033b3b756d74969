package spec

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Ports the services listen on that a stack does not set (Backend.AI's sample configs).
const (
	ManagerInternalPort           = 18080 // manager.toml [manager] internal-addr
	ManagerMonitorTermUIPort      = 38100 // [manager] aiomonitor-termui-port, + the worker's index
	ManagerMonitorWebUIPort       = 39100 // [manager] aiomonitor-webui-port, + the worker's index
	StorageProxyClientPort        = 6021  // storage-proxy.toml [api.client]
	StorageProxyManagerPort       = 6022  // storage-proxy.toml [api.manager]
	StorageProxyInternalPort      = 16023 // [api.manager] internal-addr
	StorageProxyMonitorTermUIPort = 38300 // [storage-proxy] aiomonitor-termui-port
	StorageProxyMonitorWebUIPort  = 39300 // [storage-proxy] aiomonitor-webui-port
	// The App Proxy's monitor ports (configs/app-proxy-*/halfstack.toml's aiomonitor ports).
	CoordinatorMonitorTermUIPort = 48510
	CoordinatorMonitorWebUIPort  = 49510
	WorkerMonitorTermUIPort      = 48610
	WorkerMonitorWebUIPort       = 49610
)

// Listener is a TCP port a service listens on, named by the field that sets it.
type Listener struct {
	Field string
	Port  int
}

// Listeners are the ports a node listens on, by its roles: the management node's
// halfstack, manager, storage proxy and webserver.
func (c Cluster) Listeners(n Node) []Listener {
	var out []Listener
	if n.HasRole(RoleManager) {
		h, s := c.Halfstack.Ports, c.Services
		out = append(out,
			Listener{"halfstack.ports.postgres", h.Postgres},
			Listener{"halfstack.ports.redis", h.Redis},
			Listener{"halfstack.ports.etcd", h.Etcd},
			Listener{"services.managerPort", s.ManagerPort},
			Listener{"services.webserver.port", s.Webserver.Port},
			Listener{"the manager's internal port", ManagerInternalPort},
			Listener{"the manager's monitor ports", ManagerMonitorTermUIPort},
			Listener{"the manager's monitor ports", ManagerMonitorWebUIPort},
			Listener{"the storage proxy's client port", StorageProxyClientPort},
			Listener{"the storage proxy's manager port", StorageProxyManagerPort},
			Listener{"the storage proxy's internal port", StorageProxyInternalPort},
			Listener{"the storage proxy's monitor ports", StorageProxyMonitorTermUIPort},
			Listener{"the storage proxy's monitor ports", StorageProxyMonitorWebUIPort},
		)
		if c.HA() {
			out = append(out,
				Listener{"the plane's etcd peer port", PlaneEtcdPeerPort},
				Listener{"the plane's Sentinel port", PlaneSentinelPort},
				Listener{"the plane's PostgreSQL port", PlanePostgresPort},
				Listener{"the plane's Patroni port", PlanePatroniPort},
				Listener{"the plane's storage proxy front", PlaneStorageProxyPort},
			)
		}
		if g := s.GraphQLGateway; g.On() {
			out = append(out, Listener{"services.graphqlGateway.port", g.Port})
		}
		if a := s.AppProxy; a.On() {
			out = append(out,
				Listener{"services.appProxy.coordinatorPort", a.CoordinatorPort},
				Listener{"services.appProxy.workerPort", a.WorkerPort},
				Listener{"the App Proxy's monitor ports", CoordinatorMonitorTermUIPort},
				Listener{"the App Proxy's monitor ports", CoordinatorMonitorWebUIPort},
				Listener{"the App Proxy's monitor ports", WorkerMonitorTermUIPort},
				Listener{"the App Proxy's monitor ports", WorkerMonitorWebUIPort},
			)
		}
	}
	if n.HasRole(RoleAgent) {
		a := c.Agent
		out = append(out,
			Listener{"agent.rpcPort", a.RPCPort},
			Listener{"the agent's internal port", AgentInternalPort},
			Listener{"the agent's socket port", AgentSockPort},
			Listener{"the agent's monitor ports", AgentMonitorTermUIPort},
			Listener{"the agent's monitor ports", AgentMonitorWebUIPort},
			Listener{"the agent's metadata server port", AgentMetadataPort},
		)
	}
	return out
}

// ReservedPortsKey is the sysctl that keeps ports out of the ephemeral range.
const ReservedPortsKey = "net.ipv4.ip_local_reserved_ports"

// reservedPorts lists every port a node of the cluster listens on, for
// net.ipv4.ip_local_reserved_ports: the OS preparation guide's sysctl (DefaultSysctl)
// widens the ephemeral range to 10000-65000, which holds them, and an outgoing
// connection that happens to take one (a manager worker's monitor port, say) makes the
// service that binds it later fail.
func (c Cluster) reservedPorts() string {
	seen := map[int]bool{}
	nodes := c.Nodes
	if c.plane == ManagementPlane {
		// Agents join it from other stacks with its settings, this sysctl among them:
		// their ports too.
		nodes = append(slices.Clone(nodes), Node{Roles: []Role{RoleAgent}})
	}
	for _, n := range nodes {
		for _, l := range c.Listeners(n) {
			if l.Port > 0 && l.Port < 65536 {
				seen[l.Port] = true
			}
		}
		// The sessions' published ports and the App Proxy's app ports too: handed out later.
		for _, r := range c.portRanges(n) {
			if len(r.Ports) == 2 && r.Ports[0] > 0 && r.Ports[1] < 65536 && r.Ports[1]-r.Ports[0] < 65536 {
				for p := r.Ports[0]; p <= r.Ports[1]; p++ {
					seen[p] = true
				}
			}
		}
	}
	// In the kernel's own form, which sysctl reads back: runs of ports as ranges.
	ports := slices.Sorted(maps.Keys(seen))
	var out []string
	for i := 0; i < len(ports); {
		j := i
		for j+1 < len(ports) && ports[j+1] == ports[j]+1 {
			j++
		}
		if j > i {
			out = append(out, fmt.Sprintf("%d-%d", ports[i], ports[j]))
		} else {
			out = append(out, strconv.Itoa(ports[i]))
		}
		i = j + 1
	}
	return strings.Join(out, ",")
}

// validatePorts requires every port of every listener in range, and the ports one
// node listens on distinct.
func (c Cluster) validatePorts(bad func(field, format string, args ...any)) {
	reported := map[string]bool{}
	for _, n := range c.Nodes {
		seen := map[int]string{}
		for _, l := range c.Listeners(n) {
			switch {
			case l.Port < 1 || l.Port > 65535:
				if !reported[l.Field] {
					bad(l.Field, "%d is not a TCP port", l.Port)
					reported[l.Field] = true
				}
			case seen[l.Port] != "":
				if key := fmt.Sprint(l.Field, l.Port); !reported[key] {
					bad(l.Field, "port %d is also %s (both listen on %s)", l.Port, seen[l.Port], n.Name)
					reported[key] = true
				}
			default:
				seen[l.Port] = l.Field
			}
			for _, r := range c.portRanges(n) {
				if len(r.Ports) == 2 && l.Port >= r.Ports[0] && l.Port <= r.Ports[1] {
					if key := fmt.Sprint("range", r.Field, l.Field); !reported[key] {
						bad(r.Field, "[%d, %d] holds %s (%d), which %s listens on", r.Ports[0], r.Ports[1], l.Field, l.Port, n.Name)
						reported[key] = true
					}
				}
			}
		}
		if r := c.portRanges(n); len(r) == 2 && len(r[0].Ports) == 2 && len(r[1].Ports) == 2 &&
			r[0].Ports[0] <= r[1].Ports[1] && r[1].Ports[0] <= r[0].Ports[1] {
			bad(r[1].Field, "%v overlaps %s %v on %s", r[1].Ports, r[0].Field, r[0].Ports, n.Name)
		}
	}
}

// portRange is a range of ports a node hands out, named by its field.
type portRange struct {
	Field string
	Ports []int
}

// portRanges are the ranges of ports node n hands out: its sessions' (an agent) and
// the App Proxy's apps' (the management node).
func (c Cluster) portRanges(n Node) []portRange {
	var out []portRange
	if n.HasRole(RoleAgent) {
		out = append(out, portRange{"agent.portRange", c.Agent.PortRange})
	}
	if a := c.Services.AppProxy; n.HasRole(RoleManager) && a.On() {
		out = append(out, portRange{"services.appProxy.portRange", a.PortRange})
	}
	return out
}
