package spec

import (
	"fmt"
	"path"
	"regexp"
	"slices"
)

// AgentSettings are the agent.toml settings every agent node shares ("Local configuration"
// in Backend.AI's `docs/install/install-from-package/install-agent.rst` at 26.8.1).
type AgentSettings struct {
	// ResourceGroup is the resource group (scaling group) the agents join at their first
	// registration.
	ResourceGroup string `json:"resourceGroup,omitempty" pulumi:"resourceGroup,optional"`
	// RPCPort is where the manager calls the agent; advertised at the node's address.
	RPCPort int `json:"rpcPort,omitempty" pulumi:"rpcPort,optional"`
	// PortRange is the host ports the sessions' services are published on, [first, last].
	PortRange []int `json:"portRange,omitempty" pulumi:"portRange,optional"`
	// ScratchRoot holds the sessions' scratch directories.
	ScratchRoot string `json:"scratchRoot,omitempty" pulumi:"scratchRoot,optional"`
	// Reserved is what each agent keeps from the sessions for the node's own services
	// (agent.toml's [resource]); default 1 core, 1G of memory and 8G of disk.
	Reserved *AgentReserved `json:"reserved,omitempty" pulumi:"reserved,optional"`
}

// AgentReserved is agent.toml's [resource] reserved-cpu, reserved-mem and reserved-disk.
type AgentReserved struct {
	// CPU is the cores kept for the node (0 lets sessions have them all).
	CPU *int `json:"cpu,omitempty" pulumi:"cpu,optional"`
	// Memory and Disk are sizes such as "1G" or "512M".
	Memory string `json:"memory,omitempty" pulumi:"memory,optional"`
	Disk   string `json:"disk,omitempty" pulumi:"disk,optional"`
}

// Reservations are the agents' reserved-cpu, reserved-mem and reserved-disk: the
// stack's, else the installer's defaults (the sample's 2 cores and 4G would leave a
// small node nothing to run sessions on). They are read here, not filled into the
// spec, so that a stack that leaves them out keeps the spec it had.
func (a AgentSettings) Reservations() (cpu int, mem, disk string) {
	cpu, mem, disk = DefaultReservedCPU, DefaultReservedMemory, DefaultReservedDisk
	if r := a.Reserved; r != nil {
		if r.CPU != nil {
			cpu = *r.CPU
		}
		if r.Memory != "" {
			mem = r.Memory
		}
		if r.Disk != "" {
			disk = r.Disk
		}
	}
	return cpu, mem, disk
}

// Images are the kernel images every agent pulls ahead of the first session.
type Images struct {
	// Engine pulls them: "docker" (the Docker provider, default) or "script" (a convergent
	// step on the node).
	Engine string `json:"engine,omitempty" pulumi:"engine,optional"`
	// Pull lists the image references.
	Pull []string `json:"pull,omitempty" pulumi:"pull,optional"`
}

// Accelerator is one accelerator plugin of an agent node.
type Accelerator struct {
	// Kind is "nvidia" (Backend.AI's CUDA plugin; the driver must be on the node), "mock"
	// (Backend.AI's mock plugin: devices without hardware) or "plugin" (another vendor's,
	// by package and module).
	Kind string `json:"kind,omitempty" pulumi:"kind"`
	// Devices is how many devices the mock plugin reports (default 2).
	Devices *int `json:"devices,omitempty" pulumi:"devices,optional"`
	// Package and module name a plugin of another vendor (kind plugin): the PyPI package
	// and the module that goes into agent.toml's allow-compute-plugins.
	Package string `json:"package,omitempty" pulumi:"package,optional"`
	Module  string `json:"module,omitempty" pulumi:"module,optional"`
}

// Accelerator kinds.
const (
	AcceleratorNVIDIA = "nvidia" // Backend.AI's CUDA plugin; the driver must be on the node
	AcceleratorMock   = "mock"   // Backend.AI's mock plugin: devices without hardware
	AcceleratorPlugin = "plugin" // another vendor's plugin, by package and module
)

var acceleratorKinds = []string{AcceleratorNVIDIA, AcceleratorMock, AcceleratorPlugin}

// Agent defaults: Backend.AI's sample agent.toml (6001, 6003, 6007, the scratch root)
// and the installer's port range.
const (
	DefaultResourceGroup   = "default"
	DefaultAgentRPCPort    = 6001
	AgentInternalPort      = 6003  // agent.toml [agent] internal-addr
	AgentSockPort          = 6007  // [agent] agent-sock-port
	AgentMonitorTermUIPort = 38200 // [agent] aiomonitor-termui-port
	AgentMonitorWebUIPort  = 39200 // [agent] aiomonitor-webui-port
	AgentMetadataPort      = 40128 // [agent] metadata-server-port
	DefaultScratchRoot     = "/var/lib/backend.ai/scratches"
	DefaultMockDevices     = 2
	DefaultReservedCPU     = 1
	DefaultReservedMemory  = "1G"
	DefaultReservedDisk    = "8G"
)

// DefaultPortRange is the installer's container port range.
var DefaultPortRange = []int{30000, 31000}

func defaultAgent() AgentSettings {
	return AgentSettings{ResourceGroup: DefaultResourceGroup, RPCPort: DefaultAgentRPCPort,
		PortRange: slices.Clone(DefaultPortRange), ScratchRoot: DefaultScratchRoot}
}

var (
	resourceGroupName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	packageName       = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`)
	moduleName        = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)
	// binarySize is a size Backend.AI's BinarySize reads: digits and a unit letter.
	binarySize = regexp.MustCompile(`^[0-9]+[KMGTkmgt]?$`)
)

// Agents are the nodes with the agent role.
func (c Cluster) Agents() []Node {
	var out []Node
	for _, i := range c.withRole(RoleAgent) {
		out = append(out, c.Nodes[i])
	}
	return out
}

// withRole are the indexes of the nodes with the role.
func (c Cluster) withRole(r Role) []int {
	var out []int
	for i, n := range c.Nodes {
		if n.HasRole(r) {
			out = append(out, i)
		}
	}
	return out
}

func (a AgentSettings) validate(bad func(field, format string, args ...any)) {
	if !resourceGroupName.MatchString(a.ResourceGroup) {
		bad("agent.resourceGroup", "%q is not a resource group name (letters, digits, '.', '_', '-')", a.ResourceGroup)
	}
	switch {
	case len(a.PortRange) != 2:
		bad("agent.portRange", "expected [first, last], got %d number(s)", len(a.PortRange))
	case a.PortRange[0] < 1024 || a.PortRange[1] > 65535 || a.PortRange[0] > a.PortRange[1]:
		bad("agent.portRange", "[%d, %d] is not a range of unprivileged ports (first <= last, within 1024..65535)", a.PortRange[0], a.PortRange[1])
	}
	if !path.IsAbs(a.ScratchRoot) || path.Clean(a.ScratchRoot) != a.ScratchRoot || a.ScratchRoot == "/" {
		bad("agent.scratchRoot", "%q is not a clean absolute directory below /", a.ScratchRoot)
	}
	if r := a.Reserved; r != nil {
		if r.CPU != nil && (*r.CPU < 0 || *r.CPU > 1024) {
			bad("agent.reserved.cpu", "%d is outside 0..1024", *r.CPU)
		}
		if r.Memory != "" && !binarySize.MatchString(r.Memory) {
			bad("agent.reserved.memory", "%q is not a size such as 1G or 512M", r.Memory)
		}
		if r.Disk != "" && !binarySize.MatchString(r.Disk) {
			bad("agent.reserved.disk", "%q is not a size such as 8G or 512M", r.Disk)
		}
	}
}

func (im Images) validate(bad func(field, format string, args ...any)) {
	if im.Engine != EngineDocker && im.Engine != EngineScript {
		bad("images.engine", "%q is not one of %q, %q", im.Engine, EngineDocker, EngineScript)
	}
	seen := map[string]int{}
	for i, ref := range im.Pull {
		f := fmt.Sprintf("images.pull[%d]", i)
		if !imageRef.MatchString(ref) {
			bad(f, "%q is not an image reference (registry/name:tag)", ref)
		}
		if j, dup := seen[ref]; dup {
			bad(f, "%q is already images.pull[%d]", ref, j)
		}
		seen[ref] = i
	}
}

// validateAgent checks a node's agent-side settings: accelerators only on agents, each
// of a known kind, no kind twice; Docker on every node that runs containers (none does
// when the stack deploys only the hosts).
func (n Node) validateAgent(f, deploy string, bad func(field, format string, args ...any)) {
	if !n.WantsDocker() && deploy != DeployHosts && (n.HasRole(RoleAgent) || n.HasRole(RoleManager)) {
		role := RoleAgent
		if !n.HasRole(RoleAgent) {
			role = RoleManager
		}
		bad(f+".docker", "false, but the role %q runs containers in Docker", role)
	}
	kinds := map[string]int{}
	for j, a := range n.Accelerators {
		af := fmt.Sprintf("%s.accelerators[%d]", f, j)
		if !n.HasRole(RoleAgent) {
			bad(af, "the node has no role %q, and only agents run accelerators", RoleAgent)
		}
		switch a.Kind {
		case AcceleratorNVIDIA:
		case AcceleratorMock:
			if a.Devices != nil && (*a.Devices < 1 || *a.Devices > 16) {
				bad(af+".devices", "%d is outside 1..16", *a.Devices)
			}
		case AcceleratorPlugin:
			if !packageName.MatchString(a.Package) {
				bad(af+".package", "%q is not a PyPI package name", a.Package)
			}
			if !moduleName.MatchString(a.Module) {
				bad(af+".module", "%q is not a Python module name such as ai.backend.accelerator.rocm", a.Module)
			}
		default:
			bad(af+".kind", "unknown kind %q (want %s)%s", a.Kind, quoteList(acceleratorKinds), Nearest(a.Kind, acceleratorKinds))
		}
		if a.Kind != AcceleratorPlugin && (a.Package != "" || a.Module != "") {
			bad(af, "package and module are only for kind %q", AcceleratorPlugin)
		}
		if a.Kind != AcceleratorMock && a.Devices != nil {
			bad(af+".devices", "only the mock plugin takes a device count")
		}
		key := a.Kind + "/" + a.Module
		if k, dup := kinds[key]; dup {
			bad(af, "the same plugin as %s.accelerators[%d]", f, k)
		}
		kinds[key] = j
	}
}

// WantsDocker reports whether the node gets Docker Engine (the default).
func (n Node) WantsDocker() bool { return n.Docker == nil || *n.Docker }

// MockDevices is the mock plugin's device count.
func (a Accelerator) MockDevices() int {
	if a.Devices == nil {
		return DefaultMockDevices
	}
	return *a.Devices
}

func quoteList(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%q", v)
	}
	return out
}
