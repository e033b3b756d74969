package scripts

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

//go:embed limits.sh
var limitsSh string

// Limits is limits.sh, after the prelude.
var Limits = prelude + limitsSh

// LimitsInput is limits.sh's: the limits.d file (LimitsConf).
type LimitsInput struct {
	Conf string `env:"LIMITS_CONF"`
}

func (LimitsInput) Script() string { return Limits }

// LimitsConf is /etc/security/limits.d/99-backendai.conf.
func LimitsConf(c spec.Cluster) string {
	return LimitsConfOf(c.Account.Name, c.Limits.NoFile, c.Limits.NProc)
}

// LimitsConfOf is the limits.d drop-in for root and the account.
func LimitsConfOf(account string, nofile, nproc int) string {
	var b strings.Builder
	for _, user := range []string{"root", account} {
		for _, l := range []struct {
			item  string
			value int
		}{{"nofile", nofile}, {"nproc", nproc}} {
			fmt.Fprintf(&b, "%s hard %s %d\n%s soft %s %d\n", user, l.item, l.value, user, l.item, l.value)
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}
