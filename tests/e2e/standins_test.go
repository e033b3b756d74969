package e2e

import (
	"testing"

	"github.com/backendai-infra/backendai-infra/tests/standins"
)

// startStandIns serves the stand-ins for what this machine cannot download (the
// halfstack's images from a local registry, Backend.AI's wheels from a local package
// index; see package standins) to a sandbox host until the test ends.
func startStandIns(t *testing.T, s *sandbox, host, version string) *standins.Sandbox {
	t.Helper()
	st, err := standins.Start(standins.Options{Root: s.root, Env: s.env, Host: host, Version: version, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st
}
