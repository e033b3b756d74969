package scripts

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

//go:embed hosts.sh
var hostsSh string

// Hosts is hosts.sh, after the prelude.
var Hosts = prelude + hostsSh

// HostsInput is hosts.sh's: the marked /etc/hosts block (HostsBlock).
type HostsInput struct {
	Block string `env:"HOSTS_BLOCK"`
}

func (HostsInput) Script() string { return Hosts }

// HostsBlock is the /etc/hosts block: an alias for every node, the same on every node.
func HostsBlock(c spec.Cluster) string {
	aliases := make([]Alias, len(c.Nodes))
	for i, n := range c.Nodes {
		aliases[i] = Alias{Address: n.Address, Name: n.Name}
		for _, r := range n.Roles {
			aliases[i].Roles = append(aliases[i].Roles, string(r))
		}
	}
	return HostsBlockOf(aliases)
}

// Alias is one line of the /etc/hosts block: a node's address, its name and roles.
type Alias struct {
	Address, Name string
	Roles         []string
}

// HostsBlockOf is the /etc/hosts block of these aliases, addresses aligned.
func HostsBlockOf(aliases []Alias) string {
	width := 0
	for _, a := range aliases {
		width = max(width, len(a.Address))
	}
	lines := make([]string, len(aliases))
	for i, a := range aliases {
		lines[i] = fmt.Sprintf("%-*s %s", width, a.Address, a.Name)
		if len(a.Roles) > 0 {
			lines[i] += "  # " + strings.Join(a.Roles, ", ")
		}
	}
	return strings.Join(lines, "\n")
}
