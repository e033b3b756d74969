package configs

import (
	"fmt"
	"hash/fnv"
	"path"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// An agent node's files: agent.toml (Backend.AI's configs/agent/sample.toml keys,
// pointed at this cluster), and the mock accelerator plugin's device file.

// Agent are one agent node's settings; the rest (etcd, the account, the line) are the
// cluster's Settings, so that the agents and the management node agree by construction.
type Agent struct {
	// ID is the agent's id in the manager ("i-<node>").
	ID string
	// Address is the node's address: the manager calls the agent there, and the
	// sessions' ports are advertised there.
	Address string
	// RPCPort is the agent's RPC port.
	RPCPort int
	// ResourceGroup is the resource group the agent joins at its first registration.
	ResourceGroup string
	// PortRange is the sessions' host ports, first and last.
	PortRange [2]int
	// ScratchRoot holds the sessions' scratch directories.
	ScratchRoot string
	// MountPath is where the vfolder volumes are mounted (/vfroot/<name>'s parent
	// volume), as on the storage proxy's node.
	MountPath string
	// CohabitingStorageProxy is set when the storage proxy runs on the same node.
	CohabitingStorageProxy bool
	// ReservedCPU, ReservedMemory and ReservedDisk are kept from the sessions for the
	// node's own services.
	ReservedCPU                  int
	ReservedMemory, ReservedDisk string
	// ComputePlugins are the accelerator plugins' modules for allow-compute-plugins.
	ComputePlugins []string
	// Account is the operations account: the containers' UID/GID ("Mount a shared
	// storage" in Backend.AI's docs/install/install-from-package/os-preparation.rst at
	// 26.8.1 unifies it with the storage proxy's and the volume's).
	Account Account
}

// AgentDir is the agent's directory under the account's home: its venv, config and
// RPC keys.
func (s Settings) AgentDir() string { return path.Join(s.Home, "agent") }

// ManagerPublicKey is where an agent keeps the manager's RPC public key.
func (s Settings) ManagerPublicKey() string { return path.Join(s.AgentDir(), "fixtures/manager.key") }

// AgentKeypair is the agent's own RPC keypair (its secret half stays on the node).
func (s Settings) AgentKeypair() string { return path.Join(s.AgentDir(), "fixtures/agent.key_secret") }

type agentFile struct {
	Etcd  etcdSection `toml:"etcd"`
	Agent struct {
		Backend                 string   `toml:"backend"`
		ID                      string   `toml:"id"`
		ScalingGroup            string   `toml:"scaling-group,omitempty"`               // to 26.4
		InitialResourceGroup    string   `toml:"initial-resource-group-name,omitempty"` // from 26.8 (#13005)
		ScalingGroupType        string   `toml:"scaling-group-type"`
		RPCListenAddr           Addr     `toml:"rpc-listen-addr,inline"`
		AdvertisedRPCAddr       Addr     `toml:"advertised-rpc-addr,inline"`
		InternalAddr            Addr     `toml:"internal-addr,inline"`
		AnnounceInternalAddr    Addr     `toml:"announce-internal-addr,inline"`
		AgentSockPort           int      `toml:"agent-sock-port"`
		SSLEnabled              bool     `toml:"ssl-enabled"`
		RPCAuthManagerPublicKey string   `toml:"rpc-auth-manager-public-key"`
		RPCAuthAgentKeypair     string   `toml:"rpc-auth-agent-keypair"`
		IPCBasePath             string   `toml:"ipc-base-path"`
		VarBasePath             string   `toml:"var-base-path"`
		ImageCommitPath         string   `toml:"image-commit-path"`
		MountPath               string   `toml:"mount-path"`
		CohabitingStorageProxy  bool     `toml:"cohabiting-storage-proxy"`
		PIDFile                 string   `toml:"pid-file"`
		EventLoop               string   `toml:"event-loop"`
		AllowComputePlugins     []string `toml:"allow-compute-plugins"`
		AiomonitorTermUIPort    int      `toml:"aiomonitor-termui-port"`
		AiomonitorWebUIPort     int      `toml:"aiomonitor-webui-port"`
		MetadataServerPort      int      `toml:"metadata-server-port"`
	} `toml:"agent"`
	Container struct {
		KernelUID     int    `toml:"kernel-uid"`
		KernelGID     int    `toml:"kernel-gid"`
		PortRange     [2]int `toml:"port-range"`
		BindHost      string `toml:"bind-host"`
		AdvertisedHst string `toml:"advertised-host"`
		SandboxType   string `toml:"sandbox-type"`
		ScratchType   string `toml:"scratch-type"`
		ScratchRoot   string `toml:"scratch-root"`
		ScratchSize   string `toml:"scratch-size"`
	} `toml:"container"`
	Resource struct {
		ReservedCPU  int    `toml:"reserved-cpu"`
		ReservedMem  string `toml:"reserved-mem"`
		ReservedDisk string `toml:"reserved-disk"`
	} `toml:"resource"`
	Logging logging `toml:"logging"`
	Debug   debug   `toml:"debug"`
}

// CheckAgent reports an agent setting that cannot be rendered into a working file.
func (a Agent) CheckAgent() error {
	switch {
	case a.ID == "" || a.Address == "":
		return fmt.Errorf("agent: id and address are required")
	case a.RPCPort < 1 || a.RPCPort > 65535:
		return fmt.Errorf("agent %s: rpcPort %d: not a port", a.ID, a.RPCPort)
	case a.ReservedCPU < 0 || a.ReservedMemory == "" || a.ReservedDisk == "":
		return fmt.Errorf("agent %s: reserved cpu %d, memory %q, disk %q: not a reservation", a.ID, a.ReservedCPU, a.ReservedMemory, a.ReservedDisk)
	case a.PortRange[0] < 1 || a.PortRange[0] > a.PortRange[1]:
		return fmt.Errorf("agent %s: portRange %v: not a range", a.ID, a.PortRange)
	case !path.IsAbs(a.ScratchRoot) || !path.IsAbs(a.MountPath):
		return fmt.Errorf("agent %s: scratchRoot and mountPath must be absolute", a.ID)
	case a.Account.UID < 1 || a.Account.GID < 1:
		return fmt.Errorf("agent %s: the account's uid/gid are required", a.ID)
	}
	return nil
}

// AgentTOML renders the agent's agent.toml for the cluster's line: etcd at the
// management node's address, the node's own address advertised for RPC and the
// sessions, the manager's RPC public key, the containers run as the account.
func AgentTOML(s Settings, a Agent) (File, error) {
	if err := s.Check(); err != nil {
		return File{}, err
	}
	if err := a.CheckAgent(); err != nil {
		return File{}, err
	}
	var f agentFile
	f.Etcd = etcdSection{Namespace: s.Namespace, Addr: s.etcdAddr(s.EtcdPublic)}
	g := &f.Agent
	dir := s.AgentDir()
	g.Backend = "docker"
	g.ID = a.ID
	// 26.8 renamed the key; the old one is refused there, the new one unknown before.
	if s.Line == "26.4" {
		g.ScalingGroup = a.ResourceGroup
	} else {
		g.InitialResourceGroup = a.ResourceGroup
	}
	g.ScalingGroupType = "compute"
	g.RPCListenAddr = Addr{Host: "0.0.0.0", Port: a.RPCPort}
	// Never 127.0.0.1: the manager calls the agent at what it advertises (#1575, #1796).
	g.AdvertisedRPCAddr = Addr{Host: a.Address, Port: a.RPCPort}
	g.InternalAddr = Addr{Host: "0.0.0.0", Port: spec.AgentInternalPort}
	g.AnnounceInternalAddr = Addr{Host: a.Address, Port: spec.AgentInternalPort}
	g.AgentSockPort = spec.AgentSockPort
	g.RPCAuthManagerPublicKey = s.ManagerPublicKey()
	g.RPCAuthAgentKeypair = s.AgentKeypair()
	g.IPCBasePath = "/tmp/backend.ai/ipc"
	g.VarBasePath = "/var/lib/backend.ai"
	g.ImageCommitPath = "/var/lib/backend.ai/commit"
	g.MountPath = a.MountPath
	g.CohabitingStorageProxy = a.CohabitingStorageProxy
	g.PIDFile = path.Join(dir, "agent.pid")
	g.EventLoop = "uvloop"
	g.AllowComputePlugins = append([]string{}, a.ComputePlugins...)
	g.AiomonitorTermUIPort, g.AiomonitorWebUIPort, g.MetadataServerPort = spec.AgentMonitorTermUIPort, spec.AgentMonitorWebUIPort, spec.AgentMetadataPort
	c := &f.Container
	c.KernelUID, c.KernelGID = a.Account.UID, a.Account.GID
	c.PortRange = a.PortRange
	c.BindHost, c.AdvertisedHst = "0.0.0.0", a.Address
	c.SandboxType, c.ScratchType, c.ScratchRoot, c.ScratchSize = "docker", "hostdir", a.ScratchRoot, "1G"
	f.Resource.ReservedCPU, f.Resource.ReservedMem, f.Resource.ReservedDisk = a.ReservedCPU, a.ReservedMemory, a.ReservedDisk
	f.Logging = logging{Level: "INFO", Drivers: []string{"console"}}
	return render("agent.toml", s.Line, f, newPlacer())
}

// MockDevice is one device of the mock accelerator plugin.
type MockDevice struct {
	UUID        string `toml:"mother_uuid"`
	Model       string `toml:"model_name"`
	NUMANode    int    `toml:"numa_node"`
	SubprocCnt  int    `toml:"subproc_count"`
	MemorySize  string `toml:"memory_size"`
	IsMIGDevice bool   `toml:"is_mig_device"`
}

type mockFormat struct {
	DisplayUnit       string `toml:"display_unit"`
	DisplayIcon       string `toml:"display_icon"`
	HumanReadableName string `toml:"human_readable_name"`
	Description       string `toml:"description"`
	NumberFormat      struct {
		Binary      bool `toml:"binary"`
		RoundLength int  `toml:"round_length"`
	} `toml:"number_format,inline"`
}

// MockAcceleratorTOML renders mock-accelerator.toml for Backend.AI's mock plugin
// (configs/accelerator/mock-accelerator.toml's shape): n CUDA devices, numbered by the
// agent so that two agents' devices differ. The plugin reads it from the agent's
// working directory.
func MockAcceleratorTOML(line, agentID string, n int) (File, error) {
	if n < 1 {
		return File{}, fmt.Errorf("mock accelerator: %d devices", n)
	}
	var f struct {
		SlotName         string       `toml:"slot_name"`
		DevicePluginName string       `toml:"device_plugin_name"`
		Devices          []MockDevice `toml:"devices,inline"`
		Attributes       struct {
			NvidiaDriver string `toml:"nvidia_driver"`
			CUDARuntime  string `toml:"cuda_runtime"`
		} `toml:"attributes"`
		Formats map[string]mockFormat `toml:"formats"`
	}
	f.SlotName, f.DevicePluginName = "cuda", "CUDADevice"
	for i := range n {
		f.Devices = append(f.Devices, MockDevice{UUID: mockUUID(agentID, i), Model: "CUDA GPU (mock)",
			NUMANode: 0, SubprocCnt: 108, MemorySize: "40G"})
	}
	f.Attributes.NvidiaDriver, f.Attributes.CUDARuntime = "450.0.0", "11.0"
	device := mockFormat{DisplayUnit: "GPU", DisplayIcon: "gpu1", HumanReadableName: "GPU", Description: "CUDA-capable GPU (mock)"}
	shares := mockFormat{DisplayUnit: "fGPU", DisplayIcon: "gpu1", HumanReadableName: "fGPU", Description: "CUDA-capable GPU (fractional, mock)"}
	shares.NumberFormat.RoundLength = 2
	f.Formats = map[string]mockFormat{"device": device, "shares": shares}
	return render("mock-accelerator.toml", line, f, newPlacer())
}

// mockUUID is a stable UUID-shaped id per agent and device.
func mockUUID(agentID string, i int) string {
	h := fnv.New32a()
	h.Write([]byte(agentID))
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", h.Sum32(), i+1)
}
