package scripts

import _ "embed"

//go:embed directories.sh
var directoriesSh string

// Directories is directories.sh, after the prelude.
var Directories = prelude + directoriesSh

// DirectoriesInput is directories.sh's: paths, space-separated.
type DirectoriesInput struct {
	Dirs string `env:"DIRECTORIES"`
}

func (DirectoriesInput) Script() string { return Directories }
