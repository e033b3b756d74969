package scripts

import (
	_ "embed"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

//go:embed account.sh
var accountSh string

// Account is account.sh, after the prelude.
var Account = prelude + accountSh

// AccountInput is account.sh's: the operations account.
type AccountInput struct {
	User string `env:"BAI_USER"`
	UID  int    `env:"BAI_UID"`
	GID  int    `env:"BAI_GID"`
}

func (AccountInput) Script() string { return Account }

// AccountOf is account.sh's input for the cluster's account.
func AccountOf(c spec.Cluster) AccountInput {
	return AccountInput{User: c.Account.Name, UID: c.Account.UID, GID: c.Account.GID}
}
