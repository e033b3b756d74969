package scripts

import _ "embed"

//go:embed nvidia.sh
var nvidiaSh string

// NVIDIA is nvidia.sh, after the prelude.
var NVIDIA = prelude + nvidiaSh

// NVIDIAInput is nvidia.sh's.
type NVIDIAInput struct {
	Repo string `env:"NVIDIA_REPO"`
}

func (NVIDIAInput) Script() string { return NVIDIA }
