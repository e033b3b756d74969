package scripts

import _ "embed"

//go:embed gateway_packages.sh
var gatewayPackagesSh string

// GatewayPackages is gateway_packages.sh, after the prelude.
var GatewayPackages = prelude + gatewayPackagesSh

// GatewayPackagesInput is gateway_packages.sh's: Node.js and the gateway's packages.
type GatewayPackagesInput struct {
	GatewayDir     string `env:"GATEWAY_DIR"`
	GatewayVersion string `env:"GATEWAY_VERSION"`
	User           string `env:"BAI_USER"`
	Registry       string `env:"NPM_REGISTRY"`
}

func (GatewayPackagesInput) Script() string { return GatewayPackages }
