// Package spec is the typed form of a stack's configuration: the cluster to build.
//
// A stack's `backendai-cluster:*` config keys are decoded into a Cluster, defaults from
// Backend.AI's install guide (docs/install/install-from-package.rst and its pages under
// docs/install/install-from-package/, at 26.8.1) are filled in, and Validate reports
// every bad field by its path before a single resource is registered.
package spec

// Role is what a node does in the cluster.
type Role string

const (
	// RoleManager runs the halfstack (PostgreSQL, Redis, etcd), the Manager and the Webserver.
	RoleManager Role = "manager"
	// RoleAgent runs the Agent and the compute sessions.
	RoleAgent Role = "agent"
	// RoleStorage runs the Storage Proxy and exports the shared /vfroot storage.
	RoleStorage Role = "storage"
)

var knownRoles = []Role{RoleManager, RoleAgent, RoleStorage}

// Cluster is one stack: the whole Backend.AI cluster.
type Cluster struct {
	// Nodes are the hosts of the cluster.
	Nodes []Node `json:"nodes"`
	// Version is the Backend.AI release to install, e.g. "26.4.10".
	Version string `json:"version"`
	// Account is the operations account that installs and runs the services.
	Account Account `json:"account"`
	// Limits are the ulimits written to /etc/security/limits.d/99-backendai.conf.
	Limits Limits `json:"limits"`
	// Sysctl is the final set of kernel parameters for /etc/sysctl.d/99-backendai.conf:
	// the OS preparation guide's defaults (DefaultSysctl) merged with the stack's overrides.
	Sysctl map[string]string `json:"-"`
	// Docker says where Docker Engine comes from.
	Docker Docker `json:"docker"`
	// Halfstack is the management node's PostgreSQL, Redis and etcd.
	Halfstack Halfstack `json:"halfstack"`
	// Services are the Backend.AI services' settings.
	Services Services `json:"services"`
	// Agent are the settings every agent node shares.
	Agent AgentSettings `json:"agent"`
	// Images are the kernel images every agent pulls.
	Images Images `json:"images"`
	// Storage is the shared vfolder storage.
	Storage Storage `json:"storage"`
	// Verify is the check that ends `pulumi up`: the cluster works.
	Verify Verify `json:"verify"`
	// SSHPrivateKey logs in to every node; it comes from the secret config key
	// `sshPrivateKey` and is never printed.
	SSHPrivateKey string `json:"-"`
	// Deploy is DeployAll or DeployHosts.
	Deploy string `json:"deploy"`
	// Fixtures are Backend.AI fixture files (JSON or YAML, paths relative to the
	// project), applied in order once the schema exists.
	Fixtures []string `json:"fixtures"`
	// Secrets are the services' shared secrets, from secret config keys.
	Secrets Secrets `json:"-"`
	// Superadmin is the cluster's first superadmin, generated unless the stack gives it.
	Superadmin Superadmin `json:"superadmin"`
	// ResourcePresets are the session sizes offered; none given: those of a fixture file
	// that declares resource_presets, or else DefaultResourcePresets.
	ResourcePresets []ResourcePreset `json:"resourcePresets"`
	// TestCluster true says the cluster is a throwaway test cluster: Backend.AI's
	// published example credentials are allowed in it.
	TestCluster bool `json:"testCluster"`

	// secretsApart says the secrets are checked apart (LoadApart).
	secretsApart bool
	// plane says the settings are a part of a cluster alone: its management plane
	// (LoadManagementPlane) or its storage servers (LoadStoragePlane).
	plane Plane
}

// Node is one host.
type Node struct {
	// Name is the host's alias in /etc/hosts and the name of its resources.
	Name string `json:"name,omitempty" pulumi:"name"`
	// Address is the IP address the other nodes reach this node at.
	Address string `json:"address,omitempty" pulumi:"address"`
	// Roles are what the node runs.
	Roles []Role `json:"roles,omitempty" pulumi:"roles"`
	// SSH is how Pulumi reaches the node.
	SSH *SSH `json:"ssh,omitempty" pulumi:"ssh,optional"`
	// Accelerators are the agent's accelerator plugins.
	Accelerators []Accelerator `json:"accelerators,omitempty" pulumi:"accelerators,optional"`
	// Docker false leaves Docker Engine off the node (a storage node); default true.
	Docker *bool `json:"docker,omitempty" pulumi:"docker,optional"`
	// Volume names the volume a storage node serves, when several do.
	Volume string `json:"volume,omitempty" pulumi:"volume,optional"`
}

// SSH is how a node is reached for remote steps.
type SSH struct {
	// Host is the address Pulumi connects to; defaults to the node's address.
	Host string `json:"host,omitempty" pulumi:"host,optional"`
	// Port defaults to 22.
	Port int `json:"port,omitempty" pulumi:"port,optional"`
	// User defaults to root; any other user needs password-less sudo.
	User string `json:"user,omitempty" pulumi:"user,optional"`
	// HostKey, in authorized_keys form ("ssh-ed25519 AAAA..."), turns on host key checking.
	HostKey string `json:"hostKey,omitempty" pulumi:"hostKey,optional"`
}

// Account is the operations account (`bai`, UID/GID 1100, of "Create a user account for
// operation" in Backend.AI's docs/install/install-from-package/os-preparation.rst at 26.8.1).
type Account struct {
	Name string `json:"name,omitempty" pulumi:"name,optional"`
	UID  int    `json:"uid,omitempty" pulumi:"uid,optional"`
	GID  int    `json:"gid,omitempty" pulumi:"gid,optional"`
}

// Limits are the open-file and process limits for root and the operations account.
type Limits struct {
	NoFile int `json:"nofile,omitempty" pulumi:"nofile,optional"`
	NProc  int `json:"nproc,omitempty" pulumi:"nproc,optional"`
}

// Docker selects the Docker Engine packages.
type Docker struct {
	// Source is "docker-ce" (Docker's apt repository, as "Install Docker engine" in
	// Backend.AI's `docs/install/install-from-package/os-preparation.rst` at 26.8.1 installs
	// it) or "distro" (the distribution's docker.io and compose packages).
	Source string `json:"source,omitempty" pulumi:"source,optional"`
	// InsecureRegistries are registries (host:port) Docker may pull from over plain
	// HTTP or unverified TLS (daemon.json "insecure-registries").
	InsecureRegistries []string `json:"insecureRegistries,omitempty" pulumi:"insecureRegistries,optional"`
}

// HasRole reports whether the node has the role.
func (n Node) HasRole(r Role) bool {
	for _, have := range n.Roles {
		if have == r {
			return true
		}
	}
	return false
}

// Manager returns the management node; Validate guarantees there is exactly one.
func (c Cluster) Manager() Node {
	for _, n := range c.Nodes {
		if n.HasRole(RoleManager) {
			return n
		}
	}
	return Node{}
}

// Line is the release line of the cluster's version ("26.4" for "26.4.10"); Validate
// guarantees the version has one.
func (c Cluster) Line() string {
	if m := versionForm.FindStringSubmatch(c.Version); m != nil {
		return m[1]
	}
	return ""
}

// Managers are the nodes with the manager role, in the stack's order: one, or an odd
// number from 3 for a management plane of several nodes (Validate).
func (c Cluster) Managers() []Node {
	var out []Node
	for _, n := range c.Nodes {
		if n.HasRole(RoleManager) {
			out = append(out, n)
		}
	}
	return out
}

// HA reports whether the cluster's management plane has several nodes.
func (c Cluster) HA() bool { return len(c.Managers()) > 1 }
