package scripts

import _ "embed"

//go:embed verify.sh
var verifySh string

// Verify is verify.sh, after the prelude.
var Verify = prelude + verifySh

// VerifyInput is verify.sh's.
type VerifyInput struct {
	ManagerURL      string `env:"MANAGER_URL"`
	WebserverURL    string `env:"WEBSERVER_URL"`
	StorageProxyURL string `env:"STORAGE_PROXY_URL"`
	GatewayURL      string `env:"GATEWAY_URL"`
	// CoordinatorURL and WorkerURL, when set, are the App Proxy's APIs.
	CoordinatorURL string `env:"COORDINATOR_URL,omitempty"`
	WorkerURL      string `env:"WORKER_URL,omitempty"`
	// CAFile, when set, is the certificate the HTTPS services are checked against.
	CAFile       string `env:"CA_FILE,omitempty"`
	Version      string `env:"VERSION"`
	ConfigSHA256 string `env:"CONFIG_SHA256"`
}

func (VerifyInput) Script() string { return Verify }
