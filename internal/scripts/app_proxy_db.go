package scripts

import _ "embed"

//go:embed app_proxy_db.sh
var appProxyDBSh string

// AppProxyDB is app_proxy_db.sh, after the prelude.
var AppProxyDB = prelude + appProxyDBSh

// AppProxyDBInput is app_proxy_db.sh's: the coordinator's database and role in the
// halfstack's PostgreSQL; the role's password is a secret input.
type AppProxyDBInput struct {
	DBContainer string `env:"DB_CONTAINER"`
	DB          string `env:"APPPROXY_DB"`
	User        string `env:"APPPROXY_USER"`
}

func (AppProxyDBInput) Script() string { return AppProxyDB }
