package scripts

import _ "embed"

//go:embed vfroot.sh
var vfRootSh string

// VFRoot is vfroot.sh, after the prelude.
var VFRoot = prelude + vfRootSh

// VFRootInput is vfroot.sh's: the fstab block (FstabBlock) and each volume as
// "path=host:/export", space-separated.
type VFRootInput struct {
	Mode    string `env:"MOUNT_MODE"`
	Fstab   string `env:"FSTAB_BLOCK"`
	Volumes string `env:"VOLUMES"`
	User    string `env:"BAI_USER"`
}

func (VFRootInput) Script() string { return VFRoot }
