package scripts

import _ "embed"

//go:embed agent_keys.sh
var agentKeysSh string

// AgentKeys is agent_keys.sh, after the prelude.
var AgentKeys = prelude + agentKeysSh

// AgentKeysInput is agent_keys.sh's, but for the manager's public certificate
// (MANAGER_PUBLIC_KEY), which is another step's output.
type AgentKeysInput struct {
	Dir  string `env:"AGENT_DIR"`
	User string `env:"BAI_USER"`
}

func (AgentKeysInput) Script() string { return AgentKeys }
