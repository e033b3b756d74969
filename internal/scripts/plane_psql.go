package scripts

import (
	"fmt"
	"strings"
)

// PlaneDB is, in a management plane of several nodes, where the steps that query
// Backend.AI's database with psql reach it: psql on the node, through HAProxy's port in
// front of the PostgreSQL primary (the plane's postgres step installs the client and the
// superuser's ~/.pgpass). Zero with the halfstack's container, whose psql they run.
type PlaneDB struct {
	Port int `env:"DB_PORT,omitempty"`
}

// containerPSQL and hostPSQL are the two ways of running psql: the scripts are written
// for the container, and swapped to the host in a plane, so that a single management
// node's steps stay exactly as deployed clusters recorded them.
const (
	containerPSQL = `psql() { docker exec -i "$DB_CONTAINER" psql `
	hostPSQL      = `psql() { command psql -h 127.0.0.1 -p "$DB_PORT" `
)

// withPSQL is script as db reaches the database.
func (db PlaneDB) withPSQL(script string) string {
	if db.Port == 0 {
		return script
	}
	if strings.Count(script, containerPSQL) != 1 {
		panic(fmt.Sprintf("scripts: a script queried through PlaneDB defines psql %d times, not once", strings.Count(script, containerPSQL)))
	}
	return strings.Replace(script, containerPSQL, hostPSQL, 1)
}
