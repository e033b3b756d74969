package spec

import "fmt"

// Ports the services listen on that a stack does not set (Backend.AI's sample configs).
const (
	ManagerInternalPort     = 18080 // manager.toml [manager] internal-addr
	StorageProxyClientPort  = 6021  // storage-proxy.toml [api.client]
	StorageProxyManagerPort = 6022  // storage-proxy.toml [api.manager]
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
			Listener{"the storage proxy's client port", StorageProxyClientPort},
			Listener{"the storage proxy's manager port", StorageProxyManagerPort},
		)
	}
	return out
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
		}
	}
}
