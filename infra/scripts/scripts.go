// Package scripts holds the convergent shell scripts that prepare a host, one per OS
// concern, and renders the inputs they take from the cluster spec.
//
// Each script is a real file that runs on its own (`VAR=... bash facts.sh`): it checks
// before it changes, so running it twice changes nothing the second time. Inputs come
// in environment variables; the remote step exports them on the script's stdin, never
// on a command line.
package scripts

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"github.com/backendai-infra/backendai-infra/infra/spec"
)

var (
	//go:embed facts.sh
	Facts string
	//go:embed account.sh
	Account string
	//go:embed hosts.sh
	Hosts string
	//go:embed limits.sh
	Limits string
	//go:embed sysctl.sh
	Sysctl string
	//go:embed docker.sh
	Docker string
	//go:embed config.sh
	Config string
	//go:embed service.sh
	ServiceUnit string
	//go:embed halfstack.sh
	Halfstack string
	//go:embed python.sh
	Python string
	//go:embed packages.sh
	Packages string
	//go:embed rpc_keypair.sh
	RPCKeypair string
	//go:embed schema.sh
	Schema string
	//go:embed roles.sh
	Roles string
	//go:embed user_roles.sh
	UserRoles string
	//go:embed gateway.sh
	Gateway string
	//go:embed gateway_packages.sh
	GatewayPackages string
	//go:embed schema_preflight.sh
	SchemaPreflight string
	//go:embed rescan.sh
	Rescan string
	//go:embed volumes.sh
	Volumes string
	//go:embed verify.sh
	Verify string
	//go:embed agent_keys.sh
	AgentKeys string
	//go:embed daemon_json.sh
	DaemonJSON string
	//go:embed images.sh
	Images string
	//go:embed nvidia.sh
	NVIDIA string
	//go:embed directories.sh
	Directories string
	//go:embed nfs_server.sh
	NFSServer string
	//go:embed vfroot.sh
	VFRoot string
	//go:embed verify_cluster.sh
	VerifyCluster string
)

// AccountOf is account.sh's input for the cluster's account.
func AccountOf(c spec.Cluster) AccountInput {
	return AccountInput{User: c.Account.Name, UID: c.Account.UID, GID: c.Account.GID}
}

// HostsBlock is the /etc/hosts block: an alias for every node, the same on every node.
func HostsBlock(c spec.Cluster) string {
	width := 0
	for _, n := range c.Nodes {
		width = max(width, len(n.Address))
	}
	lines := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		roles := make([]string, len(n.Roles))
		for k, r := range n.Roles {
			roles[k] = string(r)
		}
		lines[i] = fmt.Sprintf("%-*s %s  # %s", width, n.Address, n.Name, strings.Join(roles, ", "))
	}
	return strings.Join(lines, "\n")
}

// LimitsConf is /etc/security/limits.d/99-backendai.conf.
func LimitsConf(c spec.Cluster) string {
	var b strings.Builder
	for _, user := range []string{"root", c.Account.Name} {
		for _, l := range []struct {
			item  string
			value int
		}{{"nofile", c.Limits.NoFile}, {"nproc", c.Limits.NProc}} {
			fmt.Fprintf(&b, "%s hard %s %d\n%s soft %s %d\n", user, l.item, l.value, user, l.item, l.value)
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// SysctlConf is /etc/sysctl.d/99-backendai.conf, keys in a stable order.
func SysctlConf(c spec.Cluster) string {
	keys := make([]string, 0, len(c.Sysctl))
	for k := range c.Sysctl {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = k + "=" + c.Sysctl[k]
	}
	return strings.Join(lines, "\n")
}
