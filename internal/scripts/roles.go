package scripts

import _ "embed"

//go:embed roles.sh
var rolesSh string

// Roles is roles.sh, after the prelude.
var Roles = prelude + rolesSh

// RolesInput is roles.sh's: FixturesSHA256 reruns it when the fixtures change (their
// users get their roles); the role presets come from the index the packages do.
type RolesInput struct {
	ManagerCommand
	// DBContainer and DBName are the halfstack's PostgreSQL, for the users' edges.
	DBContainer string `env:"DB_CONTAINER"`
	DBName      string `env:"DB_NAME"`
	PlaneDB
	IndexURL       string `env:"INDEX_URL"`
	FixturesSHA256 string `env:"FIXTURES_SHA256"`
}

func (in RolesInput) Script() string { return in.withPSQL(Roles) }
