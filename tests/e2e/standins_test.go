//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/backendai-infra/backendai-infra/tests/standins"
)

// standIns are the stand-ins' servers every test shares (the caching package index, the
// caching npm registry, the local registry with the stand-in images): started by the
// first test that needs them, stopped when the tests end. Each test's hosts reach them
// through their own forwards.
var (
	standIns   = &standins.Servers{}
	serversDir string
)

func TestMain(m *testing.M) {
	var err error
	if serversDir, err = os.MkdirTemp("", "e2e-standins-"); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	// Tests run side by side: one's end must not stop the Docker engine another still
	// uses (a sandbox, the halfstack test's pushes); the engine stops after the last.
	_ = os.Setenv("SANDBOX_KEEP_ENGINE", "1")
	code := m.Run()
	standIns.Close()
	_ = os.RemoveAll(serversDir)
	_ = os.Unsetenv("SANDBOX_KEEP_ENGINE")
	down := exec.Command("bash", "../sandbox/sandbox.sh", "down")
	down.Env = append(os.Environ(), "SANDBOX_STACK=e2e-engine")
	if out, err := down.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: stopping the engine: %v\n%s", err, out)
	}
	os.Exit(code)
}

// startStandIns serves sandbox hosts Backend.AI's packages from the caching package
// index, the GraphQL gateway's from the caching npm registry, and the halfstack's and
// the kernel's stand-in images from a local registry (see package standins), until the
// test ends.
func startStandIns(t testing.TB, s *sandbox, hosts ...string) *standins.Sandbox {
	t.Helper()
	if err := standIns.ServeAll(s.root, s.env, serversDir); err != nil {
		t.Fatal(err)
	}
	return forward(t, s, hosts...)
}

// startIndex serves a sandbox host the caching package index alone until the test ends.
func startIndex(t testing.TB, s *sandbox, host string) *standins.Sandbox {
	t.Helper()
	if err := standIns.ServeIndex(); err != nil {
		t.Fatal(err)
	}
	return forward(t, s, host)
}

func forward(t testing.TB, s *sandbox, hosts ...string) *standins.Sandbox {
	t.Helper()
	fw, err := standIns.Forward(s.root, s.env, hosts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fw.Close)
	return &standins.Sandbox{Servers: standIns, Forwards: fw}
}
