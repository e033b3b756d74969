package scripts

import _ "embed"

//go:embed user_roles.sh
var userRolesSh string

// UserRoles is user_roles.sh, after the prelude.
var UserRoles = prelude + userRolesSh

// UserRolesInput is user_roles.sh's (26.4 and 26.8): FixturesSHA256 reruns it when the
// fixtures change (their new users get their roles).
type UserRolesInput struct {
	ManagerCommand
	DBContainer string `env:"DB_CONTAINER"`
	DBName      string `env:"DB_NAME"`
	PlaneDB
	FixturesSHA256 string `env:"FIXTURES_SHA256"`
}

func (in UserRolesInput) Script() string { return in.withPSQL(UserRoles) }
