// Package components holds the public Pulumi components of a Backend.AI cluster.
// Each reads top-down like the page of Backend.AI's install guide it automates
// (docs/install/install-from-package.rst and its pages under
// docs/install/install-from-package/, at 26.8.1).
package components

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/scripts"
	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// HostType is the Host component's type token.
const HostType = "backendai:index:Host"

// HostArgs is what preparing one node takes. Everything but the connection has the
// default of Backend.AI's OS preparation guide
// (docs/install/install-from-package/os-preparation.rst at 26.8.1); what another
// resource may give (the SSH endpoint, the login key, the host key, the nodes'
// addresses) may be its outputs.
type HostArgs struct {
	// Connection reaches the node over SSH.
	Connection HostConnection `pulumi:"connection"`
	// Account is the operations account that installs and runs the services (default: bai,
	// UID and GID 1100).
	Account *HostAccount `pulumi:"account,optional"`
	// Aliases are the lines of the marked block in /etc/hosts: every node of the cluster,
	// this one included.
	Aliases []HostAlias `pulumi:"aliases,optional"`
	// Limits are root's and the account's open files and processes (default: 512000 and
	// 65536).
	Limits *HostLimits `pulumi:"limits,optional"`
	// Sysctl are the kernel parameters of /etc/sysctl.d/99-backendai.conf (default: the
	// OS preparation guide's, spec.DefaultSysctl).
	Sysctl map[string]string `pulumi:"sysctl,optional"`
	// Docker is Docker Engine on the node (default: installed from Docker's repository).
	Docker *HostDocker `pulumi:"docker,optional"`
}

// HostConnection is how the node is reached over SSH.
type HostConnection struct {
	// Host is the address to connect to.
	Host pulumi.StringInput `pulumi:"host"`
	// Port defaults to 22.
	Port pulumi.IntInput `pulumi:"port,optional"`
	// User defaults to root; any other user needs password-less sudo.
	User pulumi.StringInput `pulumi:"user,optional"`
	// PrivateKey logs in (OpenSSH or PEM form, without a passphrase); required (an agent
	// pool's node may take its pool's).
	PrivateKey pulumi.StringInput `pulumi:"privateKey,optional" provider:"secret"`
	// HostKey, in authorized_keys form ("ssh-ed25519 AAAA..."), turns host key checking on.
	HostKey pulumi.StringInput `pulumi:"hostKey,optional"`
}

// HostAccount is the operations account.
type HostAccount struct {
	Name string `pulumi:"name" json:"name"`
	UID  int    `pulumi:"uid" json:"uid"`
	GID  int    `pulumi:"gid" json:"gid"`
}

// HostAlias is one node's line in /etc/hosts.
type HostAlias struct {
	// Address is the node's address, as the other nodes reach it.
	Address pulumi.StringInput `pulumi:"address"`
	// Name is the node's alias.
	Name string `pulumi:"name"`
	// Roles are noted beside it (manager, agent, storage).
	Roles []string `pulumi:"roles,optional"`
}

// HostLimits are the open-file and process limits.
type HostLimits struct {
	NoFile int `pulumi:"nofile"`
	NProc  int `pulumi:"nproc"`
}

// HostDocker is Docker Engine on the node.
type HostDocker struct {
	// Install false leaves Docker off the node (a storage node); default true.
	Install *bool `pulumi:"install,optional"`
	// Source is "docker-ce" (Docker's apt repository, as the OS preparation guide installs
	// it; the default) or "distro" (the distribution's docker.io and compose packages).
	Source string `pulumi:"source,optional"`
	// InsecureRegistries are registries (host:port) Docker may pull from without
	// verified TLS.
	InsecureRegistries []string `pulumi:"insecureRegistries,optional"`
}

// Host is one node's operating system prepared for Backend.AI, as Backend.AI's OS
// preparation guide (docs/install/install-from-package/os-preparation.rst at 26.8.1, the
// first page of "Install from Packages") prepares it: facts, the operations account,
// network aliases, resource limits, kernel parameters and Docker Engine.
type Host struct {
	pulumi.ResourceState

	// Facts is the node's OS, version, architecture and NVIDIA GPU presence, as JSON.
	Facts pulumi.StringOutput `pulumi:"facts"`
	// Docker is the installed Docker Engine and Compose versions.
	Docker pulumi.StringOutput `pulumi:"docker"`

	// Connection reaches the node, for the steps of other components.
	Connection Connection
	// Ready is what later steps on this node wait for: Docker and the account in place.
	Ready []pulumi.Resource
	// Account is the operations account's step, all that Python and the packages need:
	// they install while Docker does.
	Account pulumi.Resource
}

// hostArgs are a cluster's node's HostArgs.
func hostArgs(c spec.Cluster, n spec.Node, key pulumi.StringInput) HostArgs {
	a := HostArgs{
		Connection: HostConnection{Host: pulumi.String(n.SSH.Host), Port: pulumi.Int(n.SSH.Port), User: pulumi.String(n.SSH.User), PrivateKey: key},
		Account:    &HostAccount{Name: c.Account.Name, UID: c.Account.UID, GID: c.Account.GID},
		Limits:     &HostLimits{NoFile: c.Limits.NoFile, NProc: c.Limits.NProc},
		Sysctl:     c.Sysctl,
		Docker:     &HostDocker{Install: n.Docker, Source: c.Docker.Source, InsecureRegistries: c.Docker.InsecureRegistries},
	}
	if n.SSH.HostKey != "" {
		a.Connection.HostKey = pulumi.String(n.SSH.HostKey)
	}
	for _, m := range c.Nodes {
		alias := HostAlias{Address: pulumi.String(m.Address), Name: m.Name}
		for _, r := range m.Roles {
			alias.Roles = append(alias.Roles, string(r))
		}
		a.Aliases = append(a.Aliases, alias)
	}
	return a
}

// withDefaults fills what args leave out with the OS preparation guide's values, and says
// which given value is wrong, naming its field, before any step is registered.
func (args HostArgs) withDefaults() (HostArgs, error) {
	if args.Connection.Host == nil || args.Connection.PrivateKey == nil {
		return args, errors.New("connection: host and privateKey are required")
	}
	if args.Connection.Port == nil {
		args.Connection.Port = pulumi.Int(spec.DefaultSSHPort)
	}
	if args.Connection.User == nil {
		args.Connection.User = pulumi.String(spec.DefaultSSHUser)
	}
	if args.Account == nil {
		args.Account = &HostAccount{Name: spec.DefaultAccountName, UID: spec.DefaultAccountID, GID: spec.DefaultAccountID}
	}
	if args.Limits == nil {
		args.Limits = &HostLimits{NoFile: spec.DefaultNoFile, NProc: spec.DefaultNProc}
	}
	if args.Sysctl == nil {
		args.Sysctl = spec.DefaultSysctl()
	}
	if args.Docker == nil {
		args.Docker = &HostDocker{}
	}
	if args.Docker.Source == "" {
		args.Docker.Source = spec.DockerCE
	}
	var errs []error
	bad := func(field, format string, v ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, v...)))
	}
	if a := args.Account; !spec.IsUserName(a.Name) || a.UID < 1 || a.GID < 1 {
		bad("account", "name %q, uid %d, gid %d: want a user name and positive ids", a.Name, a.UID, a.GID)
	}
	if l := args.Limits; l.NoFile < 1 || l.NProc < 1 {
		bad("limits", "nofile %d, nproc %d: want positive limits", l.NoFile, l.NProc)
	}
	if s := args.Docker.Source; s != spec.DockerCE && s != spec.DockerDistro {
		bad("docker.source", "%q is not one of %q, %q", s, spec.DockerCE, spec.DockerDistro)
	}
	for i, a := range args.Aliases {
		if a.Address == nil || a.Name == "" {
			bad(fmt.Sprintf("aliases[%d]", i), "an alias needs an address and a name")
		}
	}
	return args, errors.Join(errs...)
}

// NewHost prepares one node. Steps run in parallel where the OS preparation guide allows
// it; the account comes before the limits and Docker that refer to it.
func NewHost(ctx *pulumi.Context, name string, args HostArgs, opts ...pulumi.ResourceOption) (*Host, error) {
	args, err := args.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("host %s: %w", name, err)
	}
	conn := args.Connection
	h := &Host{Connection: Connection{Host: conn.Host, Port: conn.Port, User: conn.User, PrivateKey: conn.PrivateKey, HostKey: conn.HostKey}}
	if err := ctx.RegisterComponentResource(HostType, name, h, opts...); err != nil {
		return nil, err
	}
	g := &host{steps: steps{ctx: ctx, name: name, parent: h, conn: h.Connection}, args: args, h: h}
	if err := inOrder(
		g.facts,   // 1. what the node is: OS, version, architecture, NVIDIA GPU
		g.account, // 2. the operations account
		g.hosts,   // 3. the /etc/hosts block of the cluster's aliases
		g.limits,  //    the account's ulimits
		g.sysctl,  //    the kernel parameters
		g.docker,  // 4. Docker Engine, and the registries daemon.json trusts
	); err != nil {
		return nil, err
	}
	return h, ctx.RegisterResourceOutputs(h, pulumi.Map{"facts": h.Facts, "docker": h.Docker})
}

// host is the build state of one node's preparation.
type host struct {
	steps
	args HostArgs
	h    *Host
}

func (g *host) facts() error {
	st, err := g.run("facts", scripts.FactsInput{}, nil)
	if err == nil {
		g.h.Facts = st.Stdout
	}
	return err
}

func (g *host) account() error {
	a := g.args.Account
	st, err := g.run("account", scripts.AccountInput{User: a.Name, UID: a.UID, GID: a.GID}, nil)
	g.h.Ready, g.h.Account = []pulumi.Resource{st}, st
	return err
}

func (g *host) hosts() error {
	_, err := g.runWith("hosts", scripts.HostsInput{}, pulumi.StringMap{"HOSTS_BLOCK": hostsBlock(g.args.Aliases)})
	return err
}

func (g *host) limits() error {
	a := g.args.Account
	_, err := g.run("limits", scripts.LimitsInput{Conf: scripts.LimitsConfOf(a.Name, g.args.Limits.NoFile, g.args.Limits.NProc)}, nil, g.h.Account)
	return err
}

func (g *host) sysctl() error {
	_, err := g.run("sysctl", scripts.SysctlInput{Conf: scripts.SysctlConfOf(g.args.Sysctl)}, nil)
	return err
}

// docker: Docker Engine with the compose plugin, unless the node says docker: false; then
// the registries Docker may pull from without verified TLS (it restarts only when
// daemon.json changes).
func (g *host) docker() error {
	if d := g.args.Docker; d.Install != nil && !*d.Install {
		g.h.Docker = pulumi.String("not installed (docker: false)").ToStringOutput()
		return nil
	}
	docker, err := g.run("docker", scripts.DockerInput{Source: g.args.Docker.Source, User: g.args.Account.Name}, nil, g.h.Account)
	if err != nil {
		return err
	}
	daemon, err := g.run("docker-daemon", scripts.DaemonJSONInput{InsecureRegistries: strings.Join(g.args.Docker.InsecureRegistries, " ")}, nil, docker)
	if err != nil {
		return err
	}
	g.h.Docker = docker.Stdout.ApplyT(func(out string) string {
		// The script's last line: "docker: <engine> / <compose> changed=..."
		line := out[strings.LastIndex(out, "\n")+1:]
		line = strings.TrimPrefix(line, "docker: ")
		if i := strings.LastIndex(line, " changed="); i >= 0 {
			line = line[:i]
		}
		return line
	}).(pulumi.StringOutput)
	g.h.Ready = []pulumi.Resource{g.h.Account, docker, daemon}
	return nil
}

// hostsBlock is the /etc/hosts block of the aliases, once their addresses are known.
func hostsBlock(aliases []HostAlias) pulumi.StringOutput {
	addresses := make([]any, len(aliases))
	for i, a := range aliases {
		addresses[i] = a.Address
	}
	return pulumi.All(addresses...).ApplyT(func(known []any) string {
		lines := make([]scripts.Alias, len(aliases))
		for i, a := range aliases {
			lines[i] = scripts.Alias{Address: known[i].(string), Name: a.Name, Roles: a.Roles}
		}
		return scripts.HostsBlockOf(lines)
	}).(pulumi.StringOutput)
}
