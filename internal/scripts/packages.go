package scripts

import _ "embed"

//go:embed packages.sh
var packagesSh string

// Packages is packages.sh, after the prelude.
var Packages = prelude + packagesSh

// PackagesInput is packages.sh's: one package pinned in a service's venv.
type PackagesInput struct {
	Dir      string `env:"SERVICE_DIR"`
	Python   string `env:"PYTHON"`
	Package  string `env:"PACKAGE"`
	Version  string `env:"VERSION"`
	IndexURL string `env:"INDEX_URL"`
	User     string `env:"BAI_USER"`
}

func (PackagesInput) Script() string { return Packages }
