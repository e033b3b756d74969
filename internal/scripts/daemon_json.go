package scripts

import _ "embed"

//go:embed daemon_json.sh
var daemonJSONSh string

// DaemonJSON is daemon_json.sh, after the prelude.
var DaemonJSON = prelude + daemonJSONSh

// DaemonJSONInput is daemon_json.sh's: the registries, space-separated.
type DaemonJSONInput struct {
	InsecureRegistries string `env:"INSECURE_REGISTRIES"`
}

func (DaemonJSONInput) Script() string { return DaemonJSON }
