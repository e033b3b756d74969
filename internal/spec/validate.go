package spec

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"
)

var (
	hostLabel   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	hostName    = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$`)
	userName    = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)
	versionForm = regexp.MustCompile(`^(\d{2}\.\d{1,2})\.\d+((a|b|rc)\d+)?$`)
	sysctlKey   = regexp.MustCompile(`^[a-z0-9_]+(\.[a-zA-Z0-9_-]+)+$`)
	// registryHost is a registry's host[:port], an IPv6 host in brackets.
	registryHost = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9a-fA-F:]+\])(:[0-9]{1,5})?$`)
)

// Bounds of the checked values.
const (
	minAccountID = 1000  // below are system accounts (Debian's FIRST_UID)
	maxAccountID = 59999 // above are reserved ranges (Debian's LAST_UID)
	maxNoFile    = 1048576
)

// Validate returns every problem of the cluster, each naming its field.
func (c Cluster) Validate() []error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}

	if len(c.Nodes) == 0 {
		bad("nodes", "at least one node is required")
	}
	seen := nodesSeen{names: map[string]string{}, addrs: map[string]string{}}
	managers, agents := 0, 0
	for i, n := range c.Nodes {
		f := fmt.Sprintf("nodes[%d]", i)
		errs = append(errs, seen.check(f, n, len(c.Nodes) > 1)...)
		errs = append(errs, n.SSH.validate(f+".ssh")...)
		if n.HasRole(RoleManager) {
			managers++
		}
		if n.HasRole(RoleAgent) {
			agents++
			if c.plane == ManagementPlane {
				bad(f+".roles", "a management plane has no agent (%v): agents join it with AgentNode or AgentPool; a whole cluster with its agents is a Cluster", n.Roles)
			}
		}
		n.validateAgent(f, c.Deploy, bad)
		if c.plane == StoragePlane && !slices.Equal(n.Roles, []Role{RoleStorage}) {
			bad(f+".roles", "a storage node serves the volumes, and only that (%v)", n.Roles)
		}
	}
	if c.plane == StoragePlane {
		if len(c.Storage.Clients) == 0 {
			bad("storage.clients", "is required: the nodes, addresses or networks, that mount the volumes")
		}
		if c.Storage.Server != "" {
			bad("storage.server", "%q: storage nodes serve their volumes themselves", c.Storage.Server)
		}
	} else if len(c.Nodes) > 0 && managers != 1 && (managers < 3 || managers%2 == 0) {
		bad("nodes", "the role %q must be on one node, or on an odd number of nodes from 3 (a management plane that keeps a majority of its etcd members and Sentinels when it loses a node), found %d", RoleManager, managers)
	}
	if managers > 1 {
		c.validatePlane(bad)
	}
	if v := c.Volumes(); c.plane == ManagementPlane && len(v) == 1 && v[0].Local {
		bad("nodes", "a management plane's volume is mounted by agents on other nodes: give its node the role %q, or name an NFS server in storage.server", RoleStorage)
	}
	if c.plane == ManagementPlane && c.Deploy != DeployAll {
		bad("deploy", "%q: a management plane deploys its services (prepare hosts alone with Host)", c.Deploy)
	}
	if len(c.Nodes) > 0 && agents == 0 && c.plane == WholeCluster {
		bad("nodes", "at least one node must have the role %q", RoleAgent)
	}

	if m := versionForm.FindStringSubmatch(c.Version); m == nil {
		bad("version", "%q is not a Backend.AI release such as %q", c.Version, DefaultVersion)
	} else if !slices.Contains(SupportedLines, m[1]) {
		bad("version", "release line %s is not supported (supported: %s)", m[1], strings.Join(SupportedLines, ", "))
	}

	switch {
	case !userName.MatchString(c.Account.Name):
		bad("account.name", "%q is not a valid user name", c.Account.Name)
	case c.Account.Name == "root":
		bad("account.name", "the operations account cannot be root")
	}
	if c.Account.UID < minAccountID || c.Account.UID > maxAccountID {
		bad("account.uid", "%d is outside %d..%d", c.Account.UID, minAccountID, maxAccountID)
	}
	if c.Account.GID < minAccountID || c.Account.GID > maxAccountID {
		bad("account.gid", "%d is outside %d..%d", c.Account.GID, minAccountID, maxAccountID)
	}

	// A nofile above the kernel's nr_open makes PAM refuse every login.
	if c.Limits.NoFile < 1024 || c.Limits.NoFile > maxNoFile {
		bad("limits.nofile", "%d is outside 1024..%d", c.Limits.NoFile, maxNoFile)
	}
	if c.Limits.NProc < 1024 {
		bad("limits.nproc", "%d is below 1024", c.Limits.NProc)
	}

	keys := make([]string, 0, len(c.Sysctl))
	for k := range c.Sysctl {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := c.Sysctl[k]
		switch {
		case !sysctlKey.MatchString(k):
			bad("sysctl", "%q is not a sysctl key such as net.core.somaxconn", k)
		case strings.TrimSpace(v) == "":
			bad("sysctl."+k, "value is empty (use null to leave the key out)")
		case strings.ContainsAny(v, "\n\r#\"'"):
			bad("sysctl."+k, "value %q must be one line without quotes or '#'", v)
		}
	}

	c.Halfstack.validate(bad)
	c.Services.validate(bad)
	c.validatePython(bad)
	c.Agent.validate(bad)
	c.Images.validate(bad)
	c.validateStorage(bad)
	for i, r := range c.Docker.InsecureRegistries {
		if !registryHost.MatchString(r) {
			bad(fmt.Sprintf("docker.insecureRegistries[%d]", i), "%q is not a registry as host[:port]", r)
		}
	}
	c.validatePorts(bad)
	c.validateDeploy(bad)
	c.validateVerify(bad)
	c.validateTLS(bad)
	c.validateAccounts(bad)
	if c.Docker.Source != DockerCE && c.Docker.Source != DockerDistro {
		bad("docker.source", "%q is not one of %q, %q", c.Docker.Source, DockerCE, DockerDistro)
	}

	if !c.secretsApart {
		if err := CheckSecret("sshPrivateKey", c.SSHPrivateKey); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// CheckSecret says what is wrong with a secret's value, naming its key (sshPrivateKey,
// dbPassword, storageProxySecret, storageProxyJWT), never the value.
func CheckSecret(key, value string) error {
	if key != "sshPrivateKey" {
		switch {
		case value == "":
			return fmt.Errorf("%s: is required to deploy the services: pulumi config set --secret %s <value> (or deploy: hosts)", key, key)
		case len(value) < minSecret:
			return fmt.Errorf("%s: too short (at least %d characters)", key, minSecret)
		case strings.ContainsAny(value, "\n\r"):
			return fmt.Errorf("%s: must be one line", key)
		}
		return nil
	}
	if value == "" {
		return fmt.Errorf("sshPrivateKey: is required: pulumi config set --secret sshPrivateKey < ~/.ssh/id_ed25519")
	}
	if _, err := ssh.ParsePrivateKey([]byte(value)); err != nil {
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			return fmt.Errorf("sshPrivateKey: the key is protected by a passphrase; give an unprotected key")
		}
		return fmt.Errorf("sshPrivateKey: not a private key in OpenSSH or PEM form")
	}
	return nil
}

func (s SSH) validate(f string) []error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if _, err := netip.ParseAddr(s.Host); err != nil && !isHostName(s.Host) {
		bad(f+".host", "%q is neither an IP address nor a host name", s.Host)
	}
	if s.Port < 1 || s.Port > 65535 {
		bad(f+".port", "%d is outside 1..65535", s.Port)
	}
	if !userName.MatchString(s.User) {
		bad(f+".user", "%q is not a valid user name", s.User)
	}
	if s.HostKey != "" {
		if _, _, _, rest, err := ssh.ParseAuthorizedKey([]byte(s.HostKey)); err != nil || len(strings.TrimSpace(string(rest))) > 0 {
			bad(f+".hostKey", "not one public key in authorized_keys form (\"ssh-ed25519 AAAA...\")")
		}
	}
	return errs
}

// isHostName accepts DNS names; a name whose last label is all digits (300.1.1.1) is a
// mistyped IP address, not a name (RFC 3696 section 2).
func isHostName(s string) bool {
	if !hostName.MatchString(s) || strings.Contains(s, "..") {
		return false
	}
	labels := strings.Split(strings.TrimSuffix(s, "."), ".")
	last := labels[len(labels)-1]
	return strings.Trim(last, "0123456789") != ""
}

func roleList() string {
	s := make([]string, len(knownRoles))
	for i, r := range knownRoles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// IsUserName reports whether s is a valid Unix user name.
func IsUserName(s string) bool { return userName.MatchString(s) }

// nodesSeen are the names and addresses of the nodes checked so far, each with the field
// that holds it, so that a node given twice names the first.
type nodesSeen struct{ names, addrs map[string]string }

// check returns the problems of node n at field f: its name, address and roles, and a name or address another node has. multi says the node has peers, which cannot
// reach a loopback address.
func (seen nodesSeen) check(f string, n Node, multi bool) []error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	switch {
	case n.Name == "":
		bad(f+".name", "is required")
	case !hostLabel.MatchString(n.Name):
		bad(f+".name", "%q is not a host name (lower-case letters, digits and '-', at most 63)", n.Name)
	}
	if other, dup := seen.names[n.Name]; dup && n.Name != "" {
		bad(f+".name", "%q is already the name of %s", n.Name, other)
	} else {
		seen.names[n.Name] = f
	}

	addr, err := netip.ParseAddr(n.Address)
	switch {
	case n.Address == "":
		bad(f+".address", "is required")
	case err != nil:
		bad(f+".address", "%q is not an IP address (the /etc/hosts block needs one)", n.Address)
	case addr.Zone() != "":
		bad(f+".address", "%s has a zone, which only this host understands; give the address the other nodes reach", n.Address)
	case addr.IsUnspecified() || addr.IsMulticast():
		bad(f+".address", "%s cannot be a node's address", n.Address)
	case addr.IsLoopback() && multi:
		bad(f+".address", "%s is a loopback address, which the other nodes cannot reach", n.Address)
	}
	if other, dup := seen.addrs[n.Address]; dup && n.Address != "" {
		bad(f+".address", "%s is already the address of %s", n.Address, other)
	} else {
		seen.addrs[n.Address] = f
	}

	if len(n.Roles) == 0 {
		bad(f+".roles", "at least one of %s is required", roleList())
	}
	roles := map[Role]bool{}
	for k, r := range n.Roles {
		switch {
		case !slices.Contains(knownRoles, r):
			bad(fmt.Sprintf("%s.roles[%d]", f, k), "unknown role %q (want %s)", r, roleList())
		case roles[r]:
			bad(fmt.Sprintf("%s.roles[%d]", f, k), "role %q is listed twice", r)
		}
		roles[r] = true
	}
	return errs
}
