package spec

// Defaults from the install guides (seeds 000 and 001) and the current release facts.
const (
	DefaultVersion     = "26.4.10" // newest release of the 26.4 LTS line
	DefaultAccountName = "bai"
	DefaultAccountID   = 1100
	DefaultNoFile      = 512000
	DefaultNProc       = 65536
	DefaultSSHPort     = 22
	DefaultSSHUser     = "root"
	DockerCE           = "docker-ce"
	DockerDistro       = "distro"
)

// SupportedLines are the maintained Backend.AI release lines this project deploys.
var SupportedLines = []string{"26.4", "26.8"}

// DefaultSysctl is the guide's /etc/sysctl.d/99-backendai.conf.
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

// applyDefaults fills what the stack left out.
func (c *Cluster) applyDefaults(sysctlOverrides map[string]*string) {
	if c.Version == "" {
		c.Version = DefaultVersion
	}
	if c.Account.Name == "" {
		c.Account.Name = DefaultAccountName
	}
	if c.Account.UID == 0 {
		c.Account.UID = DefaultAccountID
	}
	if c.Account.GID == 0 {
		c.Account.GID = DefaultAccountID
	}
	if c.Limits.NoFile == 0 {
		c.Limits.NoFile = DefaultNoFile
	}
	if c.Limits.NProc == 0 {
		c.Limits.NProc = DefaultNProc
	}
	if c.Deploy == "" {
		c.Deploy = DeployAll
	}
	c.Halfstack.applyDefaults()
	c.Services.applyDefaults()
	if c.Docker.Source == "" {
		c.Docker.Source = DockerCE
	}
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if n.SSH.Host == "" {
			n.SSH.Host = n.Address
		}
		if n.SSH.Port == 0 {
			n.SSH.Port = DefaultSSHPort
		}
		if n.SSH.User == "" {
			n.SSH.User = DefaultSSHUser
		}
	}
	c.Sysctl = DefaultSysctl()
	for k, v := range sysctlOverrides {
		if v == nil { // `key: null` drops a default the host cannot or should not take
			delete(c.Sysctl, k)
			continue
		}
		c.Sysctl[k] = *v
	}
}
