package scripts

import _ "embed"

//go:embed python.sh
var pythonSh string

// Python is python.sh, after the prelude.
var Python = prelude + pythonSh

// PythonInput is python.sh's.
type PythonInput struct {
	Source  string `env:"PYTHON_SOURCE"`
	URL     string `env:"PYTHON_URL"`
	SHA256  string `env:"PYTHON_SHA256"`
	Version string `env:"PYTHON_VERSION"`
	Mirror  string `env:"PYTHON_MIRROR"`
	// Needs is the Python (major.minor) Release's packages require.
	Needs    string `env:"PYTHON_NEEDS"`
	Release  string `env:"RELEASE"`
	UV       string `env:"UV_VERSION"`
	IndexURL string `env:"INDEX_URL"`
	User     string `env:"BAI_USER"`
}

func (PythonInput) Script() string { return Python }
