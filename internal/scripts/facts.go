package scripts

import _ "embed"

//go:embed facts.sh
var factsSh string

// Facts is facts.sh, after the prelude.
var Facts = prelude + factsSh

// FactsInput: facts.sh takes nothing.
type FactsInput struct{}

func (FactsInput) Script() string { return Facts }
