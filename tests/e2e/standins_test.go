package e2e

import (
	"testing"

	"github.com/backendai-infra/backendai-infra/tests/standins"
)

// startStandIns serves a sandbox host Backend.AI's packages from the caching package
// index and the halfstack's stand-in images from a local registry (see package
// standins) until the test ends.
func startStandIns(t testing.TB, s *sandbox, hosts ...string) *standins.Sandbox {
	t.Helper()
	return startServing(t, s, standins.Options{Root: s.root, Env: s.env, Hosts: hosts, Dir: t.TempDir()})
}

// startIndex serves a sandbox host the caching package index alone until the test ends.
func startIndex(t testing.TB, s *sandbox, host string) *standins.Sandbox {
	t.Helper()
	return startServing(t, s, standins.Options{Root: s.root, Env: s.env, Hosts: []string{host}, Dir: t.TempDir(), IndexOnly: true})
}

func startServing(t testing.TB, s *sandbox, o standins.Options) *standins.Sandbox {
	t.Helper()
	st, err := standins.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st
}
