package provider

import (
	"strings"
	"testing"
)

func TestPasswordHashLikeBackendAI(t *testing.T) {
	h, err := hashPassword("wJalrXUt")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(h, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2_sha256" || parts[1] != "600000" || len(parts[2]) != 64 || len(parts[3]) != 64 {
		t.Errorf("hash format: %s", h)
	}
	if !passwordMatches("wJalrXUt", h) || passwordMatches("wJalrXUT", h) || passwordMatches("wJalrXUt", "$2b$12$bcrypt") {
		t.Error("verification")
	}
	// A stored hash from elsewhere verifies: RFC 7914's PBKDF2-HMAC-SHA256 vector
	// (P "passwd", S "salt", c 1), in Backend.AI's format.
	if !passwordMatches("passwd", "pbkdf2_sha256$1$73616c74$55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc") {
		t.Error("the RFC 7914 vector does not verify")
	}
}
