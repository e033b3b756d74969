package components

import (
	"fmt"
	"path"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/configs"
	"github.com/backendai-infra/backendai-infra/internal/scripts"
	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// AcceleratorType is the Accelerator component's type token.
const AcceleratorType = "backendai:index:Accelerator"

// DefaultNVIDIARepo is NVIDIA's apt repository of the Container Toolkit, as NVIDIA's
// installation guide of the toolkit names it
// (https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/install-guide.html).
const DefaultNVIDIARepo = "https://nvidia.github.io/libnvidia-container"

// AcceleratorArgs put one accelerator plugin into an agent's venv.
type AcceleratorArgs struct {
	Cluster  spec.Cluster
	Node     spec.Node
	Spec     spec.Accelerator
	Settings configs.Settings
	// Host is the agent's node; Python is the agent's interpreter; Venv is what the
	// plugin's package waits for (the agent's package).
	Host        *Host
	Interpreter string
	Venv        []pulumi.Resource
}

// Accelerator is one accelerator plugin of an agent ("Setting Up Accelerators" in
// Backend.AI's docs/install/install-from-package/install-agent.rst at 26.8.1): its
// package in the agent's venv, its module for allow-compute-plugins, and what the node
// needs for it (NVIDIA: the driver checked, the Container Toolkit, as "Setup
// accelerators" in docs/install/install-from-package/os-preparation.rst asks; mock: the
// plugin's device file).
type Accelerator struct {
	pulumi.ResourceState

	// Toolkit is, served on its own (NewServedAccelerator), the node's GPUs and the
	// Container Toolkit's version, as nvidia.sh found them.
	Toolkit pulumi.StringOutput `pulumi:"toolkit"`
	// Plugin is, served on its own, the agent's plugin module for the kind.
	Plugin pulumi.StringOutput `pulumi:"module"`

	// Module goes into the agent's allow-compute-plugins.
	Module string
	// Sum names the plugin's package and files: the agent restarts when it changes.
	Sum string
	// Ready is what the agent's start waits for.
	Ready []pulumi.Resource
}

// pluginOf is the package and module of an accelerator kind.
func pluginOf(a spec.Accelerator) (pkg, module string) {
	switch a.Kind {
	case spec.AcceleratorNVIDIA:
		return "backend.ai-accelerator-cuda-open", "ai.backend.accelerator.cuda_open"
	case spec.AcceleratorMock:
		return "backend.ai-accelerator-mock", "ai.backend.accelerator.mock"
	}
	return a.Package, a.Module
}

// NewAccelerator installs one plugin on an agent node.
func NewAccelerator(ctx *pulumi.Context, name string, args AcceleratorArgs, opts ...pulumi.ResourceOption) (*Accelerator, error) {
	if !args.Node.HasRole(spec.RoleAgent) {
		return nil, fmt.Errorf("accelerator %s: node %s has no role %q", name, args.Node.Name, spec.RoleAgent)
	}
	pkg, module := pluginOf(args.Spec)
	if pkg == "" || module == "" {
		return nil, fmt.Errorf("accelerator %s: kind %q needs a package and a module", name, args.Spec.Kind)
	}
	a := &Accelerator{Module: module}
	if err := ctx.RegisterComponentResource(AcceleratorType, name, a, opts...); err != nil {
		return nil, err
	}
	a.Plugin, a.Toolkit = pulumi.String(module).ToStringOutput(), pulumi.String("").ToStringOutput()
	s := steps{ctx: ctx, name: name, parent: a, conn: args.Host.Connection}
	c, dir := args.Cluster, args.Settings.AgentDir()
	sum := []string{pkg, c.Version}

	if args.Spec.Kind == spec.AcceleratorNVIDIA {
		nvidia, err := s.nvidiaToolkit(args.Host.Ready...)
		if err != nil {
			return nil, err
		}
		a.Ready = append(a.Ready, nvidia)
	}
	installed, err := s.install("package", c, dir, args.Interpreter, pkg, c.Version, args.Venv...)
	if err != nil {
		return nil, err
	}
	a.Ready = append(a.Ready, installed)
	if args.Spec.Kind == spec.AcceleratorMock {
		devices, err := s.mockDevices(args.Settings, args.Node, args.Spec.MockDevices(), installed)
		if err != nil {
			return nil, err
		}
		a.Ready = append(a.Ready, devices.step)
		sum = append(sum, devices.text)
	}
	a.Sum = checksum(sum...)
	return a, ctx.RegisterResourceOutputs(a, pulumi.Map{"module": pulumi.String(module)})
}

// nvidiaToolkit checks the driver and installs the NVIDIA Container Toolkit with
// Docker's nvidia runtime (nvidia.sh).
func (s steps) nvidiaToolkit(deps ...pulumi.Resource) (pulumi.Resource, error) {
	return s.run("nvidia-toolkit", scripts.NVIDIAInput{Repo: DefaultNVIDIARepo}, nil, deps...)
}

type mockFile struct {
	step pulumi.Resource
	text string
}

// mockDevices writes the mock plugin's device file where it looks for it: the agent's
// working directory.
func (s steps) mockDevices(set configs.Settings, n spec.Node, count int, deps ...pulumi.Resource) (mockFile, error) {
	f, err := configs.MockAcceleratorTOML(set.Line, agentID(n), count)
	if err != nil {
		return mockFile{}, err
	}
	st, err := s.file("mock-devices", path.Join(set.AgentDir(), "mock-accelerator.toml"), "root", f, nil, deps...)
	return mockFile{st, f.Text}, err
}

// agentID is the agent's id in the manager.
func agentID(n spec.Node) string { return "i-" + n.Name }
