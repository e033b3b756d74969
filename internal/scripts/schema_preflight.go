package scripts

import _ "embed"

//go:embed schema_preflight.sh
var schemaPreflightSh string

// SchemaPreflight is schema_preflight.sh, after the prelude.
var SchemaPreflight = prelude + schemaPreflightSh

// SchemaPreflightInput is schema_preflight.sh's: the release's manager wheel comes
// from the index the packages do.
type SchemaPreflightInput struct {
	ManagerCommand
	IndexURL string `env:"INDEX_URL"`
}

func (SchemaPreflightInput) Script() string { return SchemaPreflight }
