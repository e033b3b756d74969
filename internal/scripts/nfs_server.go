package scripts

import _ "embed"

//go:embed nfs_server.sh
var nfsServerSh string

// NFSServer is nfs_server.sh, after the prelude.
var NFSServer = prelude + nfsServerSh

// NFSServerInput is nfs_server.sh's: the exported directories, space-separated, and the
// server's configuration (ExportsFile or GaneshaConf).
type NFSServerInput struct {
	Server     string `env:"NFS_SERVER"`
	ExportDirs string `env:"EXPORT_DIRS"`
	Config     string `env:"SERVER_CONFIG"`
	User       string `env:"BAI_USER"`
}

func (NFSServerInput) Script() string { return NFSServer }
