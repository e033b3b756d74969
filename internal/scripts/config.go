package scripts

import _ "embed"

//go:embed config.sh
var configSh string

// Config is config.sh, after the prelude.
var Config = prelude + configSh

// ConfigInput is config.sh's: a rendered file and where its placeholders are.
type ConfigInput struct {
	Path  string `env:"CONFIG_PATH"`
	Text  string `env:"CONFIG_TEXT"`
	Slots string `env:"CONFIG_SLOTS"`
	Owner string `env:"CONFIG_OWNER"`
	Mode  string `env:"CONFIG_MODE"`
}

func (ConfigInput) Script() string { return Config }
