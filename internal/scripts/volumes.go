package scripts

import _ "embed"

//go:embed volumes.sh
var volumesSh string

// Volumes is volumes.sh, after the prelude.
var Volumes = prelude + volumesSh

// VolumesInput is volumes.sh's: the storage proxy's volume paths, space-separated.
type VolumesInput struct {
	Paths string `env:"VOLUME_PATHS"`
	User  string `env:"BAI_USER"`
}

func (VolumesInput) Script() string { return Volumes }
