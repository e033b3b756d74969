package scripts

import _ "embed"

//go:embed service.sh
var serviceUnitSh string

// ServiceUnit is service.sh, after the prelude.
var ServiceUnit = prelude + serviceUnitSh

// ServiceInput is service.sh's: a service's run script and unit.
type ServiceInput struct {
	Service       string `env:"SERVICE"`
	UnitText      string `env:"UNIT_TEXT"`
	RunScript     string `env:"RUN_SCRIPT"`
	RunScriptText string `env:"RUN_SCRIPT_TEXT"`
	User          string `env:"BAI_USER"`
	ConfigSHA256  string `env:"CONFIG_SHA256"`
	WaitPort      int    `env:"WAIT_PORT,omitempty"`
}

func (ServiceInput) Script() string { return ServiceUnit }
