// Package components holds the public Pulumi components of a Backend.AI cluster.
// Each reads top-down like the install guide it automates.
package components

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/infra/scripts"
	"github.com/backendai-infra/backendai-infra/infra/spec"
	"github.com/backendai-infra/backendai-infra/sdk/go/backendai/remote"
)

// HostType is the Host component's type token.
const HostType = "backendai:index:Host"

// HostArgs selects the node to prepare within its cluster.
type HostArgs struct {
	// Cluster is the validated cluster the node belongs to (the hosts block lists all nodes).
	Cluster spec.Cluster
	// Node is the node to prepare.
	Node spec.Node
	// PrivateKey logs in to the node; a secret.
	PrivateKey pulumi.StringInput
}

// Host is one node's operating system prepared for Backend.AI (seeds 000 and 001):
// facts, the operations account, network aliases, resource limits, kernel
// parameters and Docker Engine.
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

// NewHost prepares one node. Steps run in parallel where the guide allows it; the
// account comes before the limits and Docker that refer to it.
func NewHost(ctx *pulumi.Context, name string, args HostArgs, opts ...pulumi.ResourceOption) (*Host, error) {
	h := &Host{Connection: Connection{
		Host:       args.Node.SSH.Host,
		Port:       args.Node.SSH.Port,
		User:       args.Node.SSH.User,
		PrivateKey: args.PrivateKey,
		HostKey:    args.Node.SSH.HostKey,
	}}
	if err := ctx.RegisterComponentResource(HostType, name, h, opts...); err != nil {
		return nil, err
	}
	c := args.Cluster
	s := steps{ctx: ctx, name: name, parent: h, conn: h.Connection}
	step := func(suffix string, in scripts.Input, deps ...pulumi.Resource) (*remote.Script, error) {
		return s.run(suffix, in, nil, deps...)
	}

	facts, err := step("facts", scripts.FactsInput{})
	if err != nil {
		return nil, err
	}
	account, err := step("account", scripts.AccountOf(c))
	if err != nil {
		return nil, err
	}
	if _, err := step("hosts", scripts.HostsInput{Block: scripts.HostsBlock(c)}); err != nil {
		return nil, err
	}
	if _, err := step("limits", scripts.LimitsInput{Conf: scripts.LimitsConf(c)}, account); err != nil {
		return nil, err
	}
	if _, err := step("sysctl", scripts.SysctlInput{Conf: scripts.SysctlConf(c)}); err != nil {
		return nil, err
	}
	h.Facts = facts.Stdout
	h.Ready, h.Account = []pulumi.Resource{account}, account
	if !args.Node.WantsDocker() {
		h.Docker = pulumi.String("not installed (docker: false)").ToStringOutput()
		return h, ctx.RegisterResourceOutputs(h, pulumi.Map{"facts": h.Facts, "docker": h.Docker})
	}
	docker, err := step("docker", scripts.DockerInput{Source: c.Docker.Source, User: c.Account.Name}, account)
	if err != nil {
		return nil, err
	}
	// Registries Docker may pull from without verified TLS; it restarts only when
	// daemon.json changes.
	daemon, err := step("docker-daemon", scripts.DaemonJSONInput{InsecureRegistries: strings.Join(c.Docker.InsecureRegistries, " ")}, docker)
	if err != nil {
		return nil, err
	}

	h.Docker = docker.Stdout.ApplyT(func(out string) string {
		// The script's last line: "docker: <engine> / <compose> changed=..."
		line := out[strings.LastIndex(out, "\n")+1:]
		line = strings.TrimPrefix(line, "docker: ")
		if i := strings.LastIndex(line, " changed="); i >= 0 {
			line = line[:i]
		}
		return line
	}).(pulumi.StringOutput)
	h.Ready = []pulumi.Resource{account, docker, daemon}
	return h, ctx.RegisterResourceOutputs(h, pulumi.Map{"facts": h.Facts, "docker": h.Docker})
}
