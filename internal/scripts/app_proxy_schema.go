package scripts

import _ "embed"

//go:embed app_proxy_schema.sh
var appProxySchemaSh string

// AppProxySchema is app_proxy_schema.sh, after the prelude.
var AppProxySchema = prelude + appProxySchemaSh

// AppProxySchemaInput is app_proxy_schema.sh's: the coordinator's directory, the
// account, the release, and alembic-appproxy.ini's checksum, which reruns it.
type AppProxySchemaInput struct {
	Dir           string `env:"COORDINATOR_DIR"`
	User          string `env:"BAI_USER"`
	Version       string `env:"VERSION"`
	AlembicSHA256 string `env:"ALEMBIC_SHA256"`
}

func (AppProxySchemaInput) Script() string { return AppProxySchema }
