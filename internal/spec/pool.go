package spec

import (
	"fmt"
	"net/netip"
	"slices"
)

// ValidatePool returns every problem of agent nodes that join c, a cluster another
// stack runs (an agent pool), each naming its field (nodes[i]...): a node's name,
// address and accelerators, a node given twice, a node that is already one of the
// cluster's, and a cluster whose volumes the pool's nodes cannot mount. The nodes'
// SSH is the pool's to check (it may come from other resources).
func (c Cluster) ValidatePool(nodes []Node) []error {
	if len(nodes) == 0 {
		return []error{fmt.Errorf("nodes: at least one agent node is required")}
	}
	return c.ValidateJoining(nodes, func(i int) string { return fmt.Sprintf("nodes[%d]", i) })
}

// ValidateJoining is ValidatePool for agent nodes whose fields field names (a single
// AgentNode's is "node").
func (c Cluster) ValidateJoining(nodes []Node, field func(i int) string) []error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	seen := nodesSeen{names: map[string]string{}, addrs: map[string]string{}}
	for _, n := range c.Nodes {
		seen.names[n.Name] = fmt.Sprintf("the cluster stack's node %s", n.Name)
		seen.addrs[n.Address] = fmt.Sprintf("the cluster stack's node %s", n.Name)
	}
	for i, n := range nodes {
		f := field(i)
		errs = append(errs, seen.check(f, n, true)...)
		if !slices.Equal(n.Roles, []Role{RoleAgent}) {
			bad(f+".roles", "a pool's node is an agent, and only an agent (%v)", n.Roles)
		}
		n.validateAgent(f, DeployAll, bad)
	}
	volumes := c.Volumes()
	if len(volumes) == 1 && volumes[0].Local {
		bad("clusterStack", "the cluster keeps its volume in a local directory of its one node, which a pool's agents cannot mount; give the cluster shared storage (a node with the role %q)", RoleStorage)
	}
	// The cluster's storage nodes export the volumes to the clients the cluster names.
	if len(volumes) > 0 && volumes[0].Server != nil {
		for i, n := range nodes {
			if addr, err := netip.ParseAddr(n.Address); err == nil && !c.Storage.exportsTo(addr) {
				bad(field(i)+".address", "%s is not among the NFS clients of the cluster's storage nodes: add it (or its network) to the cluster stack's storage.clients, and run its `pulumi up` first", n.Address)
			}
		}
	}
	return errs
}

// exportsTo says whether storage.clients names addr or a network that holds it.
func (s Storage) exportsTo(addr netip.Addr) bool {
	for _, client := range s.Clients {
		if a, err := netip.ParseAddr(client); err == nil && a == addr {
			return true
		}
		if p, err := netip.ParsePrefix(client); err == nil && p.Contains(addr) {
			return true
		}
	}
	return false
}
