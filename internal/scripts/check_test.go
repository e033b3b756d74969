package scripts

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// The check modes (BAI_CHECK=1) of the scripts whose state is files, run on this machine
// in temporary directories, the commands they reach beyond those (docker, setpriv, the
// venvs' programs) stood in for by shell scripts in a temporary PATH directory, each
// named as such. Each test runs a step, checks (no drift), changes by hand what the
// step made, checks (the drift named, nothing changed by the check), and runs the step
// again, which puts it back.

// host is this machine as a step's host: a directory of stand-in commands first on PATH,
// and the account the steps run as (this test's own).
type host struct {
	t       *testing.T
	bin     string
	tmp     string // TMPDIR: a check leaves nothing there
	account string
	group   string
	env     map[string]string
}

func newHost(t *testing.T) *host {
	t.Helper()
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	g, err := user.LookupGroupId(me.Gid)
	if err != nil {
		t.Fatal(err)
	}
	h := &host{t: t, bin: t.TempDir(), tmp: t.TempDir(), account: me.Username, group: g.Name, env: map[string]string{}}
	// setpriv: the step's account is this test's, so the command runs as it is.
	h.file(filepath.Join(h.bin, "setpriv"), 0o755, `#!/bin/sh
# Stand-in for setpriv --reuid=... --regid=... --init-groups COMMAND...: runs COMMAND.
while [ "$#" -gt 0 ]; do case "$1" in --*) shift ;; *) break ;; esac; done
exec "$@"
`)
	return h
}

// file writes text to path (its directory made) with mode.
func (h *host) file(path string, mode os.FileMode, text string) {
	h.t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		h.t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		h.t.Fatal(err)
	}
}

// run runs script with the host's variables and vars, as a step (check false) or in its
// check mode, and returns its output.
func (h *host) run(script string, check bool, vars ...string) (string, error) {
	h.t.Helper()
	cmd := exec.Command("bash", "-s")
	cmd.Stdin = strings.NewReader(script)
	cmd.Env = []string{"PATH=" + h.bin + ":" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + h.tmp, "LANG=C.UTF-8"}
	for k, v := range h.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, vars...)
	if check {
		cmd.Env = append(cmd.Env, "BAI_CHECK=1")
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// step runs script as a step, which must succeed, and returns its output.
func (h *host) step(script string, vars ...string) string {
	h.t.Helper()
	out, err := h.run(script, false, vars...)
	if err != nil {
		h.t.Fatalf("the step failed: %v\n%s", err, out)
	}
	return out
}

// check runs script in its check mode, which must exit 0, leave the trees under dirs as
// they were and TMPDIR empty, and returns its drift lines (without "drift: ").
func (h *host) check(script string, dirs []string, vars ...string) []string {
	h.t.Helper()
	before := tree(h.t, dirs...)
	out, err := h.run(script, true, vars...)
	if err != nil {
		h.t.Fatalf("the check failed: %v\n%s", err, out)
	}
	if after := tree(h.t, dirs...); after != before {
		h.t.Errorf("the check changed what is there:\n%s\n---\n%s", before, after)
	}
	if left, _ := os.ReadDir(h.tmp); len(left) > 0 {
		h.t.Errorf("the check left %d files in TMPDIR", len(left))
	}
	var drift []string
	for _, line := range strings.Split(out, "\n") {
		if what, ok := strings.CutPrefix(line, "drift: "); ok {
			drift = append(drift, what)
		}
	}
	return drift
}

// wantDrift fails unless the drift is exactly want.
func wantDrift(t *testing.T, when string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: drift\n %q\nwant\n %q", when, got, want)
	}
}

// tree is every path under dirs with its type, mode, owner and content's checksum.
func tree(t *testing.T, dirs ...string) string {
	t.Helper()
	var b strings.Builder
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) {
					return nil
				}
				return err
			}
			info, err := os.Lstat(path)
			if err != nil {
				return err
			}
			sum := ""
			if info.Mode().IsRegular() {
				data, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				h := sha256.Sum256(data)
				sum = hex.EncodeToString(h[:8])
			}
			st := info.Sys().(*syscall.Stat_t)
			fmt.Fprintf(&b, "%s %s %d:%d %s\n", path, info.Mode(), st.Uid, st.Gid, sum)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

func TestVolumesCheck(t *testing.T) {
	h := newHost(t)
	root := t.TempDir()
	local, nfs := filepath.Join(root, "local"), filepath.Join(root, "nfs")
	vars := []string{"VOLUME_PATHS=" + local + " " + nfs, "BAI_USER=" + h.account}
	wantDrift(t, "before the step", h.check(Volumes, []string{root}, vars...), local+" is missing", nfs+" is missing")
	if out := h.step(Volumes, vars...); !strings.Contains(out, "changed=yes") {
		t.Errorf("the first run: %s", out)
	}
	wantDrift(t, "after the step", h.check(Volumes, []string{root}, vars...))
	if err := os.Remove(filepath.Join(nfs, "version.txt")); err != nil {
		t.Fatal(err)
	}
	wantDrift(t, "without version.txt", h.check(Volumes, []string{root}, vars...), nfs+"/version.txt is missing")
	h.step(Volumes, vars...)
	wantDrift(t, "after the rerun", h.check(Volumes, []string{root}, vars...))
}

func TestImagesCheck(t *testing.T) {
	h := newHost(t)
	engine := t.TempDir()
	h.env["ENGINE"] = engine
	h.file(filepath.Join(h.bin, "docker"), 0o755, `#!/bin/sh
# Stand-in for Docker's engine: an image is a file in $ENGINE.
case "$1 $2" in
"image inspect") [ -e "$ENGINE/$(echo "$3" | tr '/:' '__')" ] ;;
"pull --quiet") touch "$ENGINE/$(echo "$3" | tr '/:' '__')" && echo "sha256:0" ;;
*) echo "docker stand-in: $*" >&2; exit 1 ;;
esac
`)
	refs := []string{"127.0.0.1:5000/standin/python:3.13", "cr.backend.ai/stable/python:3.13-ubuntu24.04"}
	vars := []string{"IMAGES=" + strings.Join(refs, " ")}
	wantDrift(t, "before the step", h.check(Images, []string{engine}, vars...),
		"the image "+refs[0]+" is not on the engine", "the image "+refs[1]+" is not on the engine")
	h.step(Images, vars...)
	wantDrift(t, "after the step", h.check(Images, []string{engine}, vars...))
	if err := os.Remove(filepath.Join(engine, "127.0.0.1_5000_standin_python_3.13")); err != nil {
		t.Fatal(err)
	}
	wantDrift(t, "an image removed", h.check(Images, []string{engine}, vars...), "the image "+refs[0]+" is not on the engine")
	if out := h.step(Images, vars...); !strings.Contains(out, "changed=yes") {
		t.Errorf("the rerun pulled nothing: %s", out)
	}
	wantDrift(t, "after the rerun", h.check(Images, []string{engine}, vars...))
}

func TestRPCKeypairCheck(t *testing.T) {
	h := newHost(t)
	dir := t.TempDir()
	// generate-rpc-keypair writes its files as ZeroMQ's create_certificates does (0644 here:
	// the step makes the secret 0600).
	h.file(filepath.Join(dir, ".venv/bin/backend.ai"), 0o755, `#!/bin/sh
# Stand-in for backend.ai mgr generate-rpc-keypair DIR NAME.
[ "$1 $2" = "mgr generate-rpc-keypair" ] || exit 1
key=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
printf 'metadata\ncurve\n    public-key = "%s"\n' "$key" >"$3/$4.key"
printf 'metadata\ncurve\n    public-key = "%s"\n    secret-key = "s%s"\n' "$key" "$key" >"$3/$4.key_secret"
chmod 0644 "$3/$4.key" "$3/$4.key_secret"
`)
	vars := []string{"MANAGER_DIR=" + dir, "BAI_USER=" + h.account}
	secret := filepath.Join(dir, "fixtures/manager/manager.key_secret")
	wantDrift(t, "before the step", h.check(RPCKeypair, []string{dir}, vars...), secret+" is missing")
	first := h.step(RPCKeypair, vars...)
	if !strings.Contains(first, "public-key = ") || !strings.HasSuffix(strings.TrimSpace(first), "changed=yes") {
		t.Fatalf("the first run: %s", first)
	}
	wantDrift(t, "after the step", h.check(RPCKeypair, []string{dir}, vars...))
	if err := os.Chmod(secret, 0o644); err != nil {
		t.Fatal(err)
	}
	wantDrift(t, "the secret readable by all", h.check(RPCKeypair, []string{dir}, vars...), secret+" has mode 644, not 0600")
	// The rerun keeps the keypair (the agents trust it): the same certificate.
	if again := h.step(RPCKeypair, vars...); publicCertificateOf(again) != publicCertificateOf(first) {
		t.Errorf("the rerun made another keypair:\n%s\n%s", first, again)
	}
	wantDrift(t, "after the rerun", h.check(RPCKeypair, []string{dir}, vars...))
}

func publicCertificateOf(out string) string {
	out = strings.TrimRight(out, "\n")
	return out[:strings.LastIndex(out, "\n")+1]
}

func TestAgentKeysCheck(t *testing.T) {
	h := newHost(t)
	agent := t.TempDir()
	h.file(filepath.Join(agent, ".venv/bin/python"), 0o755, `#!/bin/sh
# Stand-in for python -c 'zmq.auth.create_certificates(DIR, "agent")' DIR.
printf 'public-key = "a"\n' >"$3/agent.key"
printf 'public-key = "a"\nsecret-key = "b"\n' >"$3/agent.key_secret"
`)
	dir := filepath.Join(agent, "fixtures")
	cert := "metadata\ncurve\n    public-key = \"manager\"\n"
	vars := []string{"AGENT_DIR=" + agent, "BAI_USER=" + h.account, "MANAGER_PUBLIC_KEY=" + cert}
	owner := h.account + ":" + h.group
	wantDrift(t, "before the step", h.check(AgentKeys, []string{agent}, vars...), dir+" is missing, or not "+owner+"'s with mode 0700")
	h.step(AgentKeys, vars...)
	wantDrift(t, "after the step", h.check(AgentKeys, []string{agent}, vars...))
	secret := filepath.Join(dir, "agent.key_secret")
	before, _ := os.ReadFile(secret)

	// Another certificate of the manager's (its step made a new keypair): the agent's
	// copy differs until the step runs with it.
	other := []string{"AGENT_DIR=" + agent, "BAI_USER=" + h.account, "MANAGER_PUBLIC_KEY=" + strings.ReplaceAll(cert, "manager", "renewed")}
	wantDrift(t, "a new certificate", h.check(AgentKeys, []string{agent}, other...), dir+"/manager.key differs from the manager's public certificate")
	if err := os.Chmod(secret, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	wantDrift(t, "modes changed by hand", h.check(AgentKeys, []string{agent}, vars...),
		dir+" is missing, or not "+owner+"'s with mode 0700", secret+" has mode 640, not 0600")
	if os.Geteuid() == 0 {
		if err := os.Chown(filepath.Join(dir, "agent.key"), 65534, 65534); err != nil {
			t.Fatal(err)
		}
		nobody := tree(t, filepath.Join(dir, "agent.key"))
		drift := h.check(AgentKeys, []string{agent}, vars...)
		if len(drift) != 3 || !strings.HasPrefix(drift[1], dir+"/agent.key is ") || !strings.HasSuffix(drift[1], "'s, not "+owner+"'s") {
			t.Errorf("a key of another owner (%s): drift %q", nobody, drift)
		}
	}
	h.step(AgentKeys, other...)
	wantDrift(t, "after the rerun", h.check(AgentKeys, []string{agent}, other...))
	if after, _ := os.ReadFile(secret); string(after) != string(before) {
		t.Error("the rerun made another keypair")
	}
	if err := os.Remove(secret); err != nil {
		t.Fatal(err)
	}
	wantDrift(t, "the keypair removed", h.check(AgentKeys, []string{agent}, other...), secret+" is missing")
}

func TestAppProxySchemaCheck(t *testing.T) {
	h := newHost(t)
	dir := t.TempDir()
	calls := filepath.Join(t.TempDir(), "calls")
	h.env["CALLS"] = calls
	// alembic current prints what REVISION says: a head, an older revision, nothing (an
	// empty database), or it fails (no database).
	h.file(filepath.Join(dir, ".venv/bin/python"), 0o755, `#!/bin/sh
# Stand-in for python -m alembic -c alembic-appproxy.ini current|upgrade head.
echo "$*" >>"$CALLS"
echo "INFO  [alembic.runtime.migration] Context impl PostgresqlImpl." >&2
case "$5:$REVISION" in
current:head) echo "4c8e1f0a2b3d (head)" ;;
current:old) echo "1a2b3c4d5e6f" ;;
current:none) ;;
current:fail) echo "sqlalchemy: connection refused (postgresql://appproxy:secret@db/appproxy)" >&2; exit 1 ;;
upgrade:*) ;;
*) exit 2 ;;
esac
`)
	vars := []string{"COORDINATOR_DIR=" + dir, "BAI_USER=" + h.account, "VERSION=26.9.6"}
	for _, tt := range []struct{ revision, drift string }{
		{"head", ""},
		{"old", "the coordinator's database is at 1a2b3c4d5e6f, not alembic's head"},
		{"none", "the coordinator's database has no revision, not alembic's head"},
		{"fail", "the coordinator's database revision could not be read (alembic current failed)"},
	} {
		got := h.check(AppProxySchema, []string{dir}, append(slices.Clone(vars), "REVISION="+tt.revision)...)
		if tt.drift == "" {
			wantDrift(t, tt.revision, got)
		} else {
			wantDrift(t, tt.revision, got, tt.drift)
		}
	}
	if log, _ := os.ReadFile(calls); strings.Contains(string(log), "upgrade") {
		t.Errorf("a check migrated: %s", log)
	}
	if err := os.Remove(filepath.Join(dir, ".venv/bin/python")); err != nil {
		t.Fatal(err)
	}
	wantDrift(t, "no venv", h.check(AppProxySchema, []string{dir}, vars...), dir+"/.venv is missing")
}

// TestPlanePSQL: in a plane the roles scripts run psql on the node, through HAProxy, and
// no longer through the halfstack's container; alone, they are as they were.
func TestPlanePSQL(t *testing.T) {
	for name, in := range map[string]Input{
		"user_roles": UserRolesInput{PlaneDB: PlaneDB{Port: 8100}},
		"roles":      RolesInput{PlaneDB: PlaneDB{Port: 8100}},
	} {
		s := in.Script()
		if strings.Contains(s, "docker exec") || !strings.Contains(s, hostPSQL) {
			t.Errorf("%s in a plane still runs psql in the container", name)
		}
		if Env(in)["DB_PORT"] != "8100" {
			t.Errorf("%s: DB_PORT = %q", name, Env(in)["DB_PORT"])
		}
	}
	if (UserRolesInput{}).Script() != UserRoles || (RolesInput{}).Script() != Roles {
		t.Error("alone, the roles scripts changed")
	}
	if _, ok := Env(UserRolesInput{})["DB_PORT"]; ok {
		t.Error("alone, the roles step has a DB_PORT")
	}
}
