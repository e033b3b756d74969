package scripts

import _ "embed"

//go:embed schema.sh
var schemaSh string

// Schema is schema.sh, after the prelude.
var Schema = prelude + schemaSh

// SchemaInput is schema.sh's: alembic.ini's checksum reruns it when the file changes.
type SchemaInput struct {
	ManagerCommand
	AlembicSHA256 string `env:"ALEMBIC_SHA256"`
}

func (SchemaInput) Script() string { return Schema }
