package scripts

import _ "embed"

//go:embed rescan.sh
var rescanSh string

// Rescan is rescan.sh, after the prelude.
var Rescan = prelude + rescanSh

// RescanInput is rescan.sh's: what to rescan (images or registries) space-separated,
// aliases "alias image" per line.
type RescanInput struct {
	ManagerCommand
	Targets string `env:"IMAGE_RESCAN"`
	Aliases string `env:"IMAGE_ALIASES"`
}

func (RescanInput) Script() string { return Rescan }
