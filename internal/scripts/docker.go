package scripts

import _ "embed"

//go:embed docker.sh
var dockerSh string

// Docker is docker.sh, after the prelude.
var Docker = prelude + dockerSh

// DockerInput is docker.sh's.
type DockerInput struct {
	Source string `env:"DOCKER_SOURCE"`
	User   string `env:"BAI_USER"`
}

func (DockerInput) Script() string { return Docker }
