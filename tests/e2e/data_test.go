//go:build e2e

package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/backendai-infra/backendai-infra/tests/servers"
)

// TestDataResources drives the key trees and fixtures through the real CLI against a
// real etcd and PostgreSQL (Debian's, started on loopback; the Backend.AI tables come
// from the stand-in schema in tests/standins/schema, since Backend.AI's package that
// creates them cannot be installed here), and a key tree through an SSH tunnel to a
// sandbox host that runs its own etcd on its loopback, as the management node does.
func TestDataResources(t *testing.T) {
	parallel(t)
	s := newSandbox(t, "bai-d1:manager")
	etcd := servers.StartEtcd(t)
	pg := servers.StartPostgres(t)
	pg.CreateBackendAIDatabase(t, "backend", "26.8")
	startSandboxEtcd(t, s, "bai-d1")

	etcdc := servers.EtcdClient(t, etcd.Endpoint)
	ctx := context.Background()
	// Someone else's key under the same prefix: the stack must never touch it.
	if _, err := etcdc.Put(ctx, "/sorna/local/config/foreign", "keep me"); err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(s.root, "tests", "e2e", "dataproject")
	stackFile := filepath.Join(dir, "Pulumi."+s.stack+".yaml")
	t.Cleanup(func() { os.Remove(stackFile) })
	presets := writePresets(t, 80)
	port, hostKey := s.sshOf("bai-d1")
	config := map[string]any{
		"backendai-data-test:etcdEndpoint": etcd.Endpoint,
		"backendai-data-test:config":       etcdConfigTree(),
		"backendai-data-test:db":           map[string]any{"host": pg.Host, "port": pg.Port, "user": pg.User, "database": "backend"},
		"backendai-data-test:version":      "26.8.1",
		"backendai-data-test:fixtures": []string{
			filepath.Join(s.root, "fixtures/example-users.json"),
			filepath.Join(s.root, "fixtures/example-keypairs.yaml"),
			presets,
		},
		"backendai-data-test:tunnel": map[string]any{"host": "127.0.0.1", "port": port, "hostKey": hostKey},
	}
	raw, _ := json.Marshal(map[string]any{"config": config}) // JSON is YAML
	if err := os.WriteFile(stackFile, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	p := func(args ...string) string {
		t.Helper()
		out, _ := s.pulumi(append(args, "--cwd", dir)...)
		return out
	}
	setSecret := func(key, value string) {
		t.Helper()
		if out, err := s.commandIn(value, filepath.Join(s.root, "bin", "pulumi"), "config", "set", "--secret", key,
			"--cwd", dir, "--stack", s.stack, "--non-interactive"); err != nil {
			t.Fatalf("config set %s: %v\n%s", key, err, out)
		}
	}
	p("stack", "init")
	const storageSecret = "storage-proxy-secret-9d1f0e"
	setSecret("storageProxySecret", storageSecret)
	setSecret("dbPassword", pg.Password)
	key, err := os.ReadFile(filepath.Join(s.root, ".sandbox", "id_ed25519"))
	if err != nil {
		t.Fatal(err)
	}
	setSecret("sshPrivateKey", string(key))

	start := time.Now()
	out := p("up", "--yes")
	t.Logf("first pulumi up (~50 keys, 100 rows, 1 tunneled key): %s", time.Since(start))
	if !strings.Contains(out, "7 created") {
		t.Errorf("up did not create the stack, 3 key trees and 3 fixtures:\n%s", out)
	}
	keys := servers.EtcdKeys(t, etcdc, "/sorna/local/")
	if n := len(keys); n != 52 { // 44 config + 7 volumes + the foreign key
		t.Errorf("etcd holds %d keys, want 52", n)
	}
	if keys["/sorna/local/volumes/proxies/local/secret"] != storageSecret || keys["/sorna/local/config/resource_slots/cuda.device"] != "count" {
		t.Errorf("etcd keys: %v", keys)
	}
	if got := psql(t, pg, `SELECT (SELECT count(*) FROM users) || ' ' || (SELECT count(*) FROM keypairs) || ' ' || (SELECT count(*) FROM resource_presets)`); got != "3 2 82" {
		t.Errorf("rows (users keypairs presets): %s", got)
	}
	if got := sandboxEtcdGet(t, s, "bai-d1", "/sorna/local/config/redis/addr"); got != "127.0.0.1:8111" {
		t.Errorf("the tunneled key on bai-d1: %q", got)
	}

	start = time.Now()
	p("preview", "--expect-no-changes")
	t.Logf("no-change pulumi preview (~50 keys, 100 rows): %s", time.Since(start))
	p("up", "--yes", "--expect-no-changes")

	// One changed key: the preview shows exactly that key of exactly that tree.
	p("config", "set", "--path", "config.system.timezone", "Asia/Seoul")
	assertPlan(t, p("preview", "--json"), map[string][]string{"config": {"value.system.timezone"}})
	p("up", "--yes")
	if got := servers.EtcdKeys(t, etcdc, "/sorna/local/config/system/timezone"); got["/sorna/local/config/system/timezone"] != "Asia/Seoul" {
		t.Errorf("timezone after up: %v", got)
	}
	p("preview", "--expect-no-changes")

	// Changed by hand: refresh notices the key and the row; up puts them back.
	if _, err := etcdc.Put(ctx, "/sorna/local/config/redis/addr", "10.0.0.99:6379"); err != nil {
		t.Fatal(err)
	}
	psql(t, pg, `UPDATE users SET full_name = 'Changed By Hand' WHERE email = 'user@lablup.com'`)
	out = p("refresh", "--yes")
	if !strings.Contains(out, "2 updated") {
		t.Errorf("refresh did not notice the two hand changes:\n%s", out)
	}
	// The diff a reviewer reads names the key and the row, old and new.
	diff := p("preview", "--diff")
	for _, want := range []string{"~ users/uuid=dfa9da54-4b28-432f-be29-c0d680c7a412:", `"Changed By Hand" => "User Lablup"`, `~ addr: "10.0.0.99:6379" => "127.0.0.1:8110"`} {
		if !strings.Contains(diff, want) {
			t.Errorf("preview --diff does not show %s", want)
		}
	}
	assertPlan(t, p("preview", "--json"), map[string][]string{
		"config":    {"value.redis.addr"},
		"fixture-0": {`rows["users/uuid=dfa9da54-4b28-432f-be29-c0d680c7a412"]`},
	})
	p("up", "--yes")
	if got := servers.EtcdKeys(t, etcdc, "/sorna/local/config/redis/addr"); got["/sorna/local/config/redis/addr"] != "127.0.0.1:8110" {
		t.Errorf("redis addr after up: %v", got)
	}
	if got := psql(t, pg, `SELECT full_name FROM users WHERE email = 'user@lablup.com'`); got != "User Lablup" {
		t.Errorf("full name after up: %s", got)
	}
	p("preview", "--expect-no-changes")

	state := p("stack", "export")
	for _, secret := range []string{storageSecret, pg.Password, "wJalrXUt", "wJalrXUtnFEMI/K7MDENG", "v625xZLOgbMHhl0s49VuqQ", "PRIVATE KEY"} {
		if strings.Contains(state, secret) {
			t.Errorf("the stack state holds %q in plaintext", secret)
		}
	}

	out = p("destroy", "--yes")
	if !strings.Contains(out, "7 deleted") {
		t.Errorf("destroy:\n%s", out)
	}
	if got := servers.EtcdKeys(t, etcdc, "/sorna/"); len(got) != 1 || got["/sorna/local/config/foreign"] != "keep me" {
		t.Errorf("after destroy etcd holds %v, want only the foreign key", got)
	}
	if got := psql(t, pg, `SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM resource_presets) + (SELECT count(*) FROM domains)`); got != "0" {
		t.Errorf("after destroy %s rows are left", got)
	}
	if got := sandboxEtcdGet(t, s, "bai-d1", "/sorna/local/config/redis/addr"); got != "" {
		t.Errorf("the tunneled key is still on bai-d1: %q", got)
	}
	p("stack", "rm", "--yes")
}

// etcdConfigTree is a config tree in the shape of Backend.AI's sample.etcd.config.json,
// with 44 keys.
func etcdConfigTree() map[string]any {
	slots := map[string]any{"cuda.device": "count", "cuda.shares": "count"}
	for i := range 30 {
		slots[fmt.Sprintf("accel%02d.device", i)] = "count"
	}
	return map[string]any{
		"system":         map[string]any{"timezone": "UTC"},
		"redis":          map[string]any{"addr": "127.0.0.1:8110"},
		"docker":         map[string]any{"image": map[string]any{"auto_pull": "tag"}},
		"api":            map[string]any{"allow-openapi-schema-introspection": "no", "allow-graphql-schema-introspection": "no"},
		"idle":           map[string]any{"enabled": "timeout", "app-streaming-packet-timeout": "5m", "checkers": map[string]any{"timeout": map[string]any{"threshold": "10m"}}},
		"network":        map[string]any{"subnet": map[string]any{"agent": "0.0.0.0/0", "container": "0.0.0.0/0"}},
		"watcher":        map[string]any{"token": "some-random-long-string"},
		"plugins":        map[string]any{"scheduler": map[string]any{"fifo": map[string]any{"num_retries_to_skip": "3"}}},
		"resource_slots": slots,
	}
}

// writePresets writes a fixture of n global resource presets.
func writePresets(t *testing.T, n int) string {
	var rows []map[string]any
	for i := range n {
		rows = append(rows, map[string]any{"name": fmt.Sprintf("bulk-%03d", i), "resource_slots": map[string]any{"cpu": fmt.Sprint(1 + i%8), "mem": fmt.Sprint((1 + i%16) << 30)}})
	}
	raw, _ := json.Marshal(map[string]any{"resource_presets": rows})
	file := filepath.Join(t.TempDir(), "presets.json")
	if err := os.WriteFile(file, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// assertPlan checks that a `preview --json` changes exactly the given resources, each
// by exactly the given property paths.
func assertPlan(t *testing.T, preview string, want map[string][]string) {
	t.Helper()
	var plan struct {
		Steps []struct {
			Op           string                     `json:"op"`
			URN          string                     `json:"urn"`
			DetailedDiff map[string]json.RawMessage `json:"detailedDiff"`
		} `json:"steps"`
	}
	if err := json.Unmarshal([]byte(preview), &plan); err != nil {
		t.Fatalf("preview --json: %v\n%s", err, preview)
	}
	got := map[string][]string{}
	for _, st := range plan.Steps {
		if st.Op == "same" {
			continue
		}
		name := st.URN[strings.LastIndex(st.URN, "::")+2:]
		var paths []string
		for path := range st.DetailedDiff {
			paths = append(paths, path)
		}
		slices.Sort(paths)
		got[name] = paths
		if st.Op != "update" {
			t.Errorf("%s: op %s, want update", name, st.Op)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the preview changes %v, want %v", got, want)
	}
}

func psql(t *testing.T, pg *servers.Postgres, q string) string {
	t.Helper()
	out, err := pg.Psql(context.Background(), "backend", q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return strings.TrimSpace(out)
}

// startSandboxEtcd runs this machine's etcd binary (a static Go program) inside a
// sandbox host, listening on the host's own loopback only: reachable through SSH alone.
func startSandboxEtcd(t *testing.T, s *sandbox, host string) {
	t.Helper()
	bin, err := exec.LookPath("etcd")
	if err != nil {
		t.Fatal("etcd is missing: apt-get install etcd-server (tools/deps.sh does)")
	}
	container := s.stack + "-" + host
	if out, err := exec.Command("docker", "cp", bin, container+":/usr/local/bin/etcd").CombinedOutput(); err != nil {
		t.Fatalf("docker cp etcd: %v\n%s", err, out)
	}
	if out, err := exec.Command("docker", "exec", "-d", container, "/usr/local/bin/etcd", "--data-dir", "/var/lib/etcd-test",
		"--listen-client-urls", "http://127.0.0.1:2379", "--advertise-client-urls", "http://127.0.0.1:2379").CombinedOutput(); err != nil {
		t.Fatalf("etcd on %s: %v\n%s", host, err, out)
	}
	for range 60 {
		if out, _ := s.command("bash", "tests/sandbox/sandbox.sh", "ssh", host, "curl -sf http://127.0.0.1:2379/health"); strings.Contains(out, "true") {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("etcd on %s did not come up", host)
}

// sandboxEtcdGet reads a key from the etcd inside a sandbox host, through etcd's JSON
// gateway on that host's loopback.
func sandboxEtcdGet(t *testing.T, s *sandbox, host, key string) string {
	t.Helper()
	body := fmt.Sprintf(`{"key":"%s"}`, base64.StdEncoding.EncodeToString([]byte(key)))
	out := s.ssh(host, "curl -sf -X POST http://127.0.0.1:2379/v3/kv/range -d '"+body+"'")
	var resp struct {
		Kvs []struct {
			Value string `json:"value"`
		} `json:"kvs"`
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("etcd on %s answered %q: %v", host, out, err)
	}
	if len(resp.Kvs) == 0 {
		return ""
	}
	v, _ := base64.StdEncoding.DecodeString(resp.Kvs[0].Value)
	return string(v)
}
