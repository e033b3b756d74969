package scripts

import _ "embed"

//go:embed halfstack.sh
var halfstackSh string

// Halfstack is halfstack.sh, after the prelude.
var Halfstack = prelude + halfstackSh

// HalfstackInput is halfstack.sh's: the containers' settings (halfstack.ScriptEnv).
type HalfstackInput struct {
	Vars map[string]string `env:"*"`
}

func (HalfstackInput) Script() string { return Halfstack }
