// Package scripts holds the convergent shell scripts that prepare a host, one per OS
// concern, and renders the inputs they take from the cluster spec.
//
// Each script is a real file that runs after prelude.sh, the functions they share
// (`cat prelude.sh facts.sh | VAR=... bash`): it checks before it changes, so running it
// twice changes nothing the second time. Inputs come in environment variables; the
// remote step exports them on the script's stdin, never on a command line. A script
// whose header says "# Check mode: " reads itself back with BAI_CHECK=1 (a refresh).
package scripts

import (
	_ "embed"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

//go:embed prelude.sh
var prelude string

// The exported scripts each begin with the prelude (init).
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
	//go:embed service_stop.sh
	ServiceStop string
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
	//go:embed app_proxy_db.sh
	AppProxyDB string
	//go:embed app_proxy_schema.sh
	AppProxySchema string
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
	//go:embed ca_trust.sh
	CATrust string
)

func init() {
	for _, script := range []*string{
		&Facts, &Account, &Hosts, &Limits, &Sysctl, &Docker, &Config, &ServiceUnit, &ServiceStop, &Halfstack, &Python, &Packages, &RPCKeypair, &Schema, &Roles, &UserRoles, &Gateway, &GatewayPackages, &SchemaPreflight, &Rescan, &Volumes, &Verify, &AgentKeys, &DaemonJSON, &Images, &AppProxyDB, &AppProxySchema, &NVIDIA, &Directories, &NFSServer, &VFRoot, &VerifyCluster, &CATrust,
	} {
		*script = prelude + *script
	}
}

// AccountOf is account.sh's input for the cluster's account.
func AccountOf(c spec.Cluster) AccountInput {
	return AccountInput{User: c.Account.Name, UID: c.Account.UID, GID: c.Account.GID}
}

// HostsBlock is the /etc/hosts block: an alias for every node, the same on every node.
func HostsBlock(c spec.Cluster) string {
	aliases := make([]Alias, len(c.Nodes))
	for i, n := range c.Nodes {
		aliases[i] = Alias{Address: n.Address, Name: n.Name}
		for _, r := range n.Roles {
			aliases[i].Roles = append(aliases[i].Roles, string(r))
		}
	}
	return HostsBlockOf(aliases)
}

// Alias is one line of the /etc/hosts block: a node's address, its name and roles.
type Alias struct {
	Address, Name string
	Roles         []string
}

// HostsBlockOf is the /etc/hosts block of these aliases, addresses aligned.
func HostsBlockOf(aliases []Alias) string {
	width := 0
	for _, a := range aliases {
		width = max(width, len(a.Address))
	}
	lines := make([]string, len(aliases))
	for i, a := range aliases {
		lines[i] = fmt.Sprintf("%-*s %s", width, a.Address, a.Name)
		if len(a.Roles) > 0 {
			lines[i] += "  # " + strings.Join(a.Roles, ", ")
		}
	}
	return strings.Join(lines, "\n")
}

// LimitsConf is /etc/security/limits.d/99-backendai.conf.
func LimitsConf(c spec.Cluster) string {
	return LimitsConfOf(c.Account.Name, c.Limits.NoFile, c.Limits.NProc)
}

// LimitsConfOf is the limits.d drop-in for root and the account.
func LimitsConfOf(account string, nofile, nproc int) string {
	var b strings.Builder
	for _, user := range []string{"root", account} {
		for _, l := range []struct {
			item  string
			value int
		}{{"nofile", nofile}, {"nproc", nproc}} {
			fmt.Fprintf(&b, "%s hard %s %d\n%s soft %s %d\n", user, l.item, l.value, user, l.item, l.value)
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// SysctlConf is /etc/sysctl.d/99-backendai.conf.
func SysctlConf(c spec.Cluster) string { return SysctlConfOf(c.Sysctl) }

// SysctlConfOf is the sysctl.d drop-in of these parameters, sorted by key.
func SysctlConfOf(params map[string]string) string {
	keys := slices.Sorted(maps.Keys(params))
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = k + "=" + params[k]
	}
	return strings.Join(lines, "\n")
}
