package provider

import (
	"testing"
)

// TestGenerateSecrets: each name gets its own 32-byte value; kept values stay, a new
// name gets a new one, a removed name's is dropped.
func TestGenerateSecrets(t *testing.T) {
	first, err := generateSecrets([]string{"api", "jwt"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(first["api"]) != 43 || first["api"] == first["jwt"] {
		t.Errorf("generated %v", first)
	}
	second, err := generateSecrets([]string{"jwt", "permit"}, first)
	if err != nil {
		t.Fatal(err)
	}
	if second["jwt"] != first["jwt"] || second["permit"] == "" || second["permit"] == first["api"] || len(second) != 2 {
		t.Errorf("after renaming: %v (before: %v)", second, first)
	}
}
