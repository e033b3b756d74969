package scripts

import (
	_ "embed"
	"maps"
	"slices"
	"strings"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

//go:embed sysctl.sh
var sysctlSh string

// Sysctl is sysctl.sh, after the prelude.
var Sysctl = prelude + sysctlSh

// SysctlInput is sysctl.sh's: the sysctl.d file (SysctlConf).
type SysctlInput struct {
	Conf string `env:"SYSCTL_CONF"`
}

func (SysctlInput) Script() string { return Sysctl }

// SysctlConf is /etc/sysctl.d/99-backendai.conf.
func SysctlConf(c spec.Cluster) string { return SysctlConfOf(c.Sysctl) }

// SysctlConfOf is the sysctl.d drop-in of these parameters, sorted by key.
func SysctlConfOf(params map[string]string) string {
	keys := slices.Sorted(maps.Keys(params))
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = k + "=" + params[k]
	}
	return strings.Join(lines, "\n")
}
