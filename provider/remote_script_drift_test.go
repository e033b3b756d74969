package provider

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-go-provider/infer"

	"github.com/backendai-infra/backendai-infra/internal/scripts"
	"github.com/backendai-infra/backendai-infra/tests/sshkey"
)

// TestRefreshFindsDrift: a refresh (Read) runs a step's script in its check mode, here
// the hosts block's (hosts.sh, on this machine's bash behind a loopback SSH server, with
// a file of its own): after the step ran, nothing drifted; a hand edit of the block is
// reported as the step's drift, which makes the next up rerun it; after that rerun, a
// refresh finds nothing again. The check changed nothing on the host. A script without a
// check mode is not read back.
func TestRefreshFindsDrift(t *testing.T) {
	private, public := sshkey.New(t)
	host, port, _ := net.SplitHostPort(sshServer(t, public, runBash))
	conn := Connection{Host: host, PrivateKey: private}
	conn.Port, _ = strconv.Atoi(port)
	file := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(file, []byte("127.0.0.1 localhost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := ScriptArgs{Connection: conn, Script: scripts.Hosts,
		Environment: map[string]string{"HOSTS_BLOCK": "10.0.0.1 bai-m1", "HOSTS_FILE": file}}
	ctx := context.Background()
	s := &Script{}
	created, err := s.Create(ctx, infer.CreateRequest[ScriptArgs]{Name: "bai-m1-hosts", Inputs: args})
	if err != nil {
		t.Fatal(err)
	}
	refresh := func(state ScriptState) ScriptState {
		t.Helper()
		read, err := s.Read(ctx, infer.ReadRequest[ScriptArgs, ScriptState]{ID: created.ID, Inputs: state.ScriptArgs, State: state})
		if err != nil {
			t.Fatal(err)
		}
		if read.Inputs.Drift != read.State.Drift {
			t.Errorf("the drift read back as an input (%q) and as state (%q) differ", read.Inputs.Drift, read.State.Drift)
		}
		return read.State
	}
	if got := refresh(created.Output); got.Drift != "" {
		t.Errorf("a refresh right after the step ran reports drift %q", got.Drift)
	}

	edited := "127.0.0.1 localhost\n##### BEGIN for Backend.AI services #####\n10.0.0.9 bai-m1\n##### END for Backend.AI services #####\n"
	if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	drifted := refresh(created.Output)
	if want := file + ": the block of aliases differs"; drifted.Drift != want {
		t.Errorf("after a hand edit, the drift is %q, want %q", drifted.Drift, want)
	}
	if got, _ := os.ReadFile(file); string(got) != edited {
		t.Errorf("the check changed the file: %q", got)
	}
	if !needsRun(drifted.ScriptArgs, args) {
		t.Errorf("a drifted step does not rerun")
	}
	updated, err := s.Update(ctx, infer.UpdateRequest[ScriptArgs, ScriptState]{ID: created.ID, Inputs: args, State: drifted})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(file); !strings.Contains(string(got), "10.0.0.1 bai-m1") {
		t.Errorf("the rerun did not restore the block: %q", got)
	}
	if got := refresh(updated.Output); got.Drift != "" {
		t.Errorf("a refresh after the rerun reports drift %q", got.Drift)
	}

	// No check mode: the state stays as recorded, and the script is not run.
	plain := ScriptArgs{Connection: conn, Script: "touch " + file + ".ran", Drift: ""}
	if got := refresh(ScriptState{ScriptArgs: plain}); got.Drift != "" {
		t.Errorf("a script without a check mode reports drift %q", got.Drift)
	}
	if _, err := os.Stat(file + ".ran"); err == nil {
		t.Errorf("a refresh ran a script that has no check mode")
	}
}
