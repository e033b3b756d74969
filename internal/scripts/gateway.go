package scripts

import _ "embed"

//go:embed gateway.sh
var gatewaySh string

// Gateway is gateway.sh, after the prelude.
var Gateway = prelude + gatewaySh

// GatewayInput is gateway.sh's: the GraphQL gateway of a release's manager.
type GatewayInput struct {
	ManagerCommand
	GatewayDir     string `env:"GATEWAY_DIR"`
	GatewayVersion string `env:"GATEWAY_VERSION"`
	ManagerURL     string `env:"MANAGER_URL"`
	// PublicSubgraph "yes" composes the manager's public schema too (26.9 on).
	PublicSubgraph string `env:"PUBLIC_SUBGRAPH"`
}

func (GatewayInput) Script() string { return Gateway }
