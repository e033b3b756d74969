package components

import (
	"fmt"
	"path"
	"strings"

	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/configs"
	"github.com/backendai-infra/backendai-infra/internal/scripts"
	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// AgentNodeType is the AgentNode component's type token.
const AgentNodeType = "backendai:index:AgentNode"

// AgentNodeArgs place an agent on its prepared host.
type AgentNodeArgs struct {
	Cluster spec.Cluster
	Node    spec.Node
	// Host is the agent's node, prepared (account, Docker).
	Host *Host
	// Settings are the management node's settings (etcd, namespace, the account's home):
	// the agent's files are rendered from them.
	Settings configs.Settings
	// ManagerPublicKey is the manager's RPC public certificate (ManagementNode.PublicKey).
	ManagerPublicKey pulumi.StringInput
	// Manager is what the agent's start waits for: the manager running, with the
	// resource slot types and the resource group in the database.
	Manager []pulumi.Resource
	// Storage is the shared volumes mounted on the node (SharedStorage.Mounted).
	Storage []pulumi.Resource
	// Release is the cluster's release record; the agent's packages wait for it.
	Release pulumi.Resource
	// StopOnDelete stops and disables the agent when it is deleted (a node that leaves
	// its pool), so the manager marks it gone; a cluster's own agents are left running.
	StopOnDelete bool
}

// AgentNode is one agent (Backend.AI's docs/install/install-from-package/install-agent.rst
// at 26.8.1; on a node of its own, as "Setting Up Additional Agents (multi-node)" in
// docs/install/install-from-source.rst at 26.8.1 adds one): Python and
// the agent's venv with backend.ai-agent (and its kernel runner), the accelerator
// plugins, the RPC keys, agent.toml, the kernel images pulled, and the agent under
// systemd, restarted when its config, unit or packages change, and only then.
type AgentNode struct {
	pulumi.ResourceState

	// Agent is the agent's id in the manager; ConfigText its agent.toml; Manager, served
	// on its own (NewServedAgentNode), the manager it registered with.
	Agent      pulumi.StringOutput `pulumi:"agent"`
	ConfigText pulumi.StringOutput `pulumi:"config"`
	Manager    pulumi.StringOutput `pulumi:"manager"`

	// Config is the rendered agent.toml (no secrets in it).
	Config string
	// Service is the agent's systemd step; it finishes once the agent listens.
	Service pulumi.Resource
	// ID is the agent's id in the manager; Sum names what it was started with.
	ID, Sum string
}

// agentNode is the build state of one agent, its steps in the order of Backend.AI's
// install-agent.rst.
type agentNode struct {
	steps
	args AgentNodeArgs
	set  configs.Settings
	dir  string

	interpreter string
	pkg         pulumi.Resource
	plugins     []*Accelerator
	// before are the steps the agent's service waits for; config its agent.toml.
	before []pulumi.Resource
	config string
	// started is the service's step, sum what it was started with.
	started pulumi.Resource
	sum     string
}

// NewAgentNode builds one agent on its host.
func NewAgentNode(ctx *pulumi.Context, name string, args AgentNodeArgs, opts ...pulumi.ResourceOption) (*AgentNode, error) {
	if err := args.check(name); err != nil {
		return nil, err
	}
	a := &AgentNode{}
	if err := ctx.RegisterComponentResource(AgentNodeType, name, a, opts...); err != nil {
		return nil, err
	}
	if err := a.build(ctx, name, args); err != nil {
		return nil, err
	}
	return a, ctx.RegisterResourceOutputs(a, pulumi.Map{"config": a.ConfigText})
}

// check says what in args cannot make an agent.
func (args AgentNodeArgs) check(name string) error {
	if !args.Node.HasRole(spec.RoleAgent) {
		return fmt.Errorf("agent node %s: node %s has no role %q", name, args.Node.Name, spec.RoleAgent)
	}
	if args.ManagerPublicKey == nil {
		return fmt.Errorf("agent node %s: ManagerPublicKey is required", name)
	}
	return nil
}

// build registers the agent's steps, in the order of install-agent.rst, as a's children.
func (a *AgentNode) build(ctx *pulumi.Context, name string, args AgentNodeArgs) error {
	g := &agentNode{steps: steps{ctx: ctx, name: name, parent: a, conn: args.Host.Connection},
		args: args, set: args.Settings, dir: args.Settings.AgentDir()}
	if err := inOrder(
		g.installAgent,        // 1. Python, then the agent's venv
		g.installAccelerators, // 2. the accelerator plugins in it
		g.rpcKeys,             // 3. the manager's certificate and the agent's keypair
		g.directories,         // 4. the scratch root and the vfolder mount point
		g.agentConfig,         // 5. agent.toml
		g.pullImages,          // 6. the kernel images
		g.service,             // 7. the agent under systemd, once the manager runs
	); err != nil {
		return err
	}
	a.Config, a.ID = g.config, agentID(args.Node)
	a.ConfigText, a.Agent = pulumi.String(g.config).ToStringOutput(), pulumi.String(a.ID).ToStringOutput()
	a.Manager = pulumi.String(args.Settings.Manager.HTTP()).ToStringOutput()
	a.Service, a.Sum = g.started, g.sum
	return nil
}

// installAgent: Python, then the agent's venv with backend.ai-agent pinned to the
// release (it brings the kernel runner, backend.ai-krunner-static-gnu).
func (g *agentNode) installAgent() error {
	c := g.args.Cluster
	py, interpreter, err := g.python(c, g.set.Home, withRelease([]pulumi.Resource{g.args.Host.Account}, g.args.Release)...)
	if err != nil {
		return err
	}
	g.interpreter = interpreter
	g.pkg, err = g.install("agent-package", c, g.dir, interpreter, configs.AgentService.Package, c.Version, py)
	return err
}

// installAccelerators: each declared plugin in the agent's venv.
func (g *agentNode) installAccelerators() error {
	for i, acc := range g.args.Node.Accelerators {
		p, err := NewAccelerator(g.ctx, fmt.Sprintf("%s-accelerator-%d-%s", g.name, i, acc.Kind), AcceleratorArgs{
			Cluster: g.args.Cluster, Node: g.args.Node, Spec: acc, Settings: g.set, Host: g.args.Host,
			Interpreter: g.interpreter, Venv: []pulumi.Resource{g.pkg},
		}, pulumi.Parent(g.parent))
		if err != nil {
			return err
		}
		g.plugins = append(g.plugins, p)
	}
	return nil
}

// rpcKeys: the manager's public certificate and the agent's own keypair.
func (g *agentNode) rpcKeys() error {
	st, err := g.runWith("rpc-keys", scripts.AgentKeysInput{Dir: g.dir, User: g.args.Cluster.Account.Name},
		pulumi.StringMap{"MANAGER_PUBLIC_KEY": g.args.ManagerPublicKey}, g.pkg)
	g.before = append(g.before, st)
	return err
}

// directories: the scratch root and the vfolder mount point.
func (g *agentNode) directories() error {
	c := g.args.Cluster
	st, err := g.run("directories", scripts.DirectoriesInput{Dirs: strings.Join([]string{c.Agent.ScratchRoot, spec.VFolderRoot}, " ")},
		nil, g.args.Host.Ready...)
	g.before = append(g.before, st)
	return err
}

// agentSettings are the node's agent.toml settings.
func (g *agentNode) agentSettings() configs.Agent {
	c, n := g.args.Cluster, g.args.Node
	modules := make([]string, len(g.plugins))
	for i, p := range g.plugins {
		modules[i] = p.Module
	}
	cpu, mem, disk := c.Agent.Reservations()
	return configs.Agent{ID: agentID(n), Address: n.Address, RPCPort: c.Agent.RPCPort, ResourceGroup: c.Agent.ResourceGroup,
		PortRange: [2]int{c.Agent.PortRange[0], c.Agent.PortRange[1]}, ScratchRoot: c.Agent.ScratchRoot,
		MountPath: spec.VFolderRoot, CohabitingStorageProxy: n.HasRole(spec.RoleManager),
		ReservedCPU: cpu, ReservedMemory: mem, ReservedDisk: disk, ComputePlugins: modules, Account: accountOf(c)}
}

// agentConfig: agent.toml, rendered from the cluster's settings.
func (g *agentNode) agentConfig() error {
	f, err := configs.AgentTOML(g.set, g.agentSettings())
	if err != nil {
		return fmt.Errorf("agent node %s: %w", g.name, err)
	}
	st, err := g.file("agent-config", path.Join(g.dir, configs.AgentService.Config), g.args.Cluster.Account.Name, f, nil, g.pkg)
	g.before, g.config = append(g.before, st), f.Text
	return err
}

// pullImages: the stack's kernel images on this agent's engine, as Docker resources or
// as a step (images.engine).
func (g *agentNode) pullImages() error {
	im := g.args.Cluster.Images
	if len(im.Pull) == 0 {
		return nil
	}
	if im.Engine == spec.EngineScript {
		st, err := g.run("images", scripts.ImagesInput{Images: strings.Join(im.Pull, " ")}, nil, g.args.Host.Ready...)
		g.before = append(g.before, st)
		return err
	}
	provider, err := dockerProvider(g.ctx, g.name, g.args.Host.Connection, g.parent)
	if err != nil {
		return err
	}
	for _, ref := range im.Pull {
		img, err := docker.NewRemoteImage(g.ctx, g.name+"-image-"+imageResourceName(ref), &docker.RemoteImageArgs{
			Name: pulumi.String(ref), KeepLocally: pulumi.Bool(true),
		}, pulumi.Parent(g.parent), pulumi.Provider(provider), pulumi.DependsOn(g.args.Host.Ready))
		if err != nil {
			return err
		}
		g.before = append(g.before, img)
	}
	return nil
}

// service: the agent's run script and unit, started once its files are in and the
// manager runs; it restarts when the config, the plugins or the release change.
func (g *agentNode) service() error {
	c := g.args.Cluster
	after := g.before
	sum := []string{g.config, c.Version}
	for _, p := range g.plugins {
		sum = append(sum, p.Sum)
		after = append(after, p.Ready...)
	}
	after = append(after, g.args.Manager...)
	after = append(after, g.args.Storage...)
	svc := configs.AgentService
	svc.WaitPort = c.Agent.RPCPort
	started := checksum(sum...)
	unit := g.unit
	if g.args.StopOnDelete {
		unit = g.stoppedUnit
	}
	st, err := unit(svc, g.set.Home, accountOf(c), started, after...)
	g.started, g.sum = st, started
	return err
}

// imageResourceName turns an image reference into a resource name's part.
func imageResourceName(ref string) string {
	return strings.NewReplacer("/", "-", ":", "-", "@", "-").Replace(ref)
}
