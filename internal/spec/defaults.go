package spec

// Defaults from Backend.AI's OS preparation guide
// (docs/install/install-from-package/os-preparation.rst at 26.8.1: the `bai` account with
// UID/GID 1100, its ulimits, Docker from Docker's apt repository) and the current release
// facts.
const (
	DefaultVersion     = "26.4.16" // newest release of the 26.4 LTS line on PyPI
	DefaultAccountName = "bai"
	DefaultAccountID   = 1100
	DefaultNoFile      = 512000
	DefaultNProc       = 65536
	DefaultSSHPort     = 22
	DefaultSSHUser     = "root"
	DockerCE           = "docker-ce"
	DockerDistro       = "distro"
)

// SupportedLines are the Backend.AI release lines this project deploys: the 26.4 LTS
// line, the 26.8 line and the newest line on PyPI.
var SupportedLines = []string{"26.4", "26.8", "26.9"}

// DefaultSysctl is the /etc/sysctl.d/99-backendai.conf of "Optimize sysctl/ulimit
// parameters" in Backend.AI's docs/install/install-from-package/os-preparation.rst
// (26.8.1), its 14 keys.
func DefaultSysctl() map[string]string {
	return map[string]string{
		"fs.file-max":                        "2048000",
		"net.core.somaxconn":                 "1024",
		"net.ipv4.tcp_max_syn_backlog":       "1024",
		"net.ipv4.tcp_slow_start_after_idle": "0",
		"net.ipv4.tcp_fin_timeout":           "10",
		"net.ipv4.tcp_window_scaling":        "1",
		"net.ipv4.tcp_tw_reuse":              "1",
		"net.ipv4.tcp_early_retrans":         "1",
		"net.ipv4.ip_local_port_range":       "10000 65000",
		"net.core.rmem_max":                  "16777216",
		"net.core.wmem_max":                  "16777216",
		"net.ipv4.tcp_rmem":                  "4096 12582912 16777216",
		"net.ipv4.tcp_wmem":                  "4096 12582912 16777216",
		"vm.overcommit_memory":               "1",
	}
}

// defaults is the cluster a stack gets for every key it leaves out.
func defaults() Cluster {
	return Cluster{
		Version:    DefaultVersion,
		Account:    Account{Name: DefaultAccountName, UID: DefaultAccountID, GID: DefaultAccountID},
		Limits:     Limits{NoFile: DefaultNoFile, NProc: DefaultNProc},
		Docker:     Docker{Source: DockerCE},
		Deploy:     DeployAll,
		Halfstack:  defaultHalfstack(),
		Services:   defaultServices(),
		Agent:      defaultAgent(),
		Images:     Images{Engine: EngineDocker},
		Storage:    defaultStorage(),
		Verify:     Verify{Enabled: On()},
		Superadmin: defaultSuperadmin(),
	}
}

// applySysctl merges the stack's overrides onto the OS preparation guide's kernel
// parameters (DefaultSysctl), with the services' ports reserved from the ephemeral range
// (unless the stack sets that key).
func (c *Cluster) applySysctl(overrides map[string]*string) {
	c.Sysctl = DefaultSysctl()
	if ports := c.reservedPorts(); ports != "" {
		c.Sysctl[ReservedPortsKey] = ports
	}
	if len(c.Managers()) > 1 {
		c.Sysctl[PlaneTCPRetriesKey] = PlaneTCPRetries
	}
	for k, v := range overrides {
		if v == nil { // `key: null` drops a default the host cannot or should not take
			delete(c.Sysctl, k)
			continue
		}
		c.Sysctl[k] = *v
	}
}

// FillDefaults puts the defaults back into the settings given as null (a YAML key with
// nothing after it), which decoding leaves nil.
func (c *Cluster) FillDefaults() {
	d := defaults()
	if c.Halfstack.Images == nil {
		c.Halfstack.Images = d.Halfstack.Images
	}
	if c.Halfstack.Ports == nil {
		c.Halfstack.Ports = d.Halfstack.Ports
	}
	if c.Services.Python == nil {
		c.Services.Python = d.Services.Python
	}
	if c.Services.Webserver == nil {
		c.Services.Webserver = d.Services.Webserver
	}
	if c.Services.GraphQLGateway == nil {
		c.Services.GraphQLGateway = d.Services.GraphQLGateway
	}
	if c.Services.AppProxy == nil {
		c.Services.AppProxy = d.Services.AppProxy
	}
	for i, n := range c.Nodes {
		if n.SSH == nil {
			c.Nodes[i].SSH = &SSH{Host: n.Address, Port: DefaultSSHPort, User: DefaultSSHUser}
		}
	}
}
