//go:build integration

package scripts

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The check modes that need more of this machine than the unit tests do: Node.js (the
// GraphQL gateway's steps run node itself, beside stand-ins for npm and the manager),
// and this machine's own Python, which a check reads as it reads a node's.

func TestGatewayPackagesCheck(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("Node.js is missing: apt-get install npm (tools/deps.sh does)")
	}
	h := newHost(t)
	// npm install: each dependency of package.json at its pinned version, as a package.json
	// in node_modules (no registry here), skipping those its record of node_modules (npm's
	// hidden lockfile) already lists at that version, as npm does.
	h.file(filepath.Join(h.bin, "npm"), 0o755, `#!/bin/sh
# Stand-in for npm install: the pinned dependencies' package.json files.
[ "$1" = install ] || exit 1
exec node -e '
const fs = require("fs");
const record = "node_modules/.package-lock.json";
const have = fs.existsSync(record) ? JSON.parse(fs.readFileSync(record)) : {};
for (const [name, version] of Object.entries(require("./package.json").dependencies)) {
  if (have[name] === version) continue;
  fs.mkdirSync("node_modules/" + name, { recursive: true });
  fs.writeFileSync("node_modules/" + name + "/package.json", JSON.stringify({ name, version }));
  have[name] = version;
}
fs.writeFileSync(record, JSON.stringify(have));'
`)
	dir := filepath.Join(t.TempDir(), "graphql-gateway")
	vars := []string{"GATEWAY_DIR=" + dir, "BAI_USER=" + h.account, "GATEWAY_VERSION=2.15.1"}
	wantDrift(t, "before the step", h.check(GatewayPackages, []string{dir}, vars...),
		dir+" is missing, or not "+h.account+":"+h.group+"'s with mode 0755")
	h.step(GatewayPackages, vars...)
	wantDrift(t, "after the step", h.check(GatewayPackages, []string{dir}, vars...))
	h.file(filepath.Join(dir, "node_modules/graphql/package.json"), 0o644, `{"name": "graphql", "version": "16.0.0"}`)
	wantDrift(t, "graphql downgraded", h.check(GatewayPackages, []string{dir}, vars...), dir+"/node_modules has graphql 16.0.0, not 16.11.0")
	newer := []string{"GATEWAY_DIR=" + dir, "BAI_USER=" + h.account, "GATEWAY_VERSION=2.16.0"}
	wantDrift(t, "another gateway", h.check(GatewayPackages, []string{dir}, newer...), dir+"/package.json differs",
		dir+"/node_modules has @graphql-hive/gateway 2.15.1, not 2.16.0", dir+"/node_modules has graphql 16.0.0, not 16.11.0")
	h.step(GatewayPackages, vars...)
	wantDrift(t, "after the rerun", h.check(GatewayPackages, []string{dir}, vars...))

	// A package's files gone while npm's record lists it: the step starts again from an
	// empty node_modules.
	if err := os.RemoveAll(filepath.Join(dir, "node_modules/graphql")); err != nil {
		t.Fatal(err)
	}
	wantDrift(t, "graphql half installed", h.check(GatewayPackages, []string{dir}, vars...), dir+"/node_modules has graphql not installed, not 16.11.0")
	h.step(GatewayPackages, vars...)
	wantDrift(t, "after graphql was put back", h.check(GatewayPackages, []string{dir}, vars...))

	// An install that did not run to its end (no record of its end), with a dependency's
	// files gone that no pin names: node_modules is made again from empty.
	stray := filepath.Join(dir, "node_modules/no-case")
	h.file(filepath.Join(stray, "package.json"), 0o644, `{"name": "no-case", "version": "3.0.4"}`)
	if err := os.Remove(filepath.Join(dir, "node_modules/.backendai-installed")); err != nil {
		t.Fatal(err)
	}
	wantDrift(t, "an install cut off halfway", h.check(GatewayPackages, []string{dir}, vars...),
		dir+"/node_modules is not an install of @graphql-hive/gateway@2.15.1 @theguild/federation-composition@0.27.0 graphql@16.11.0 that ran to its end")
	h.step(GatewayPackages, vars...)
	if _, err := os.Stat(stray); !os.IsNotExist(err) {
		t.Errorf("the half-finished node_modules was not made again from empty: %s is there (%v)", stray, err)
	}
	wantDrift(t, "after the install cut off halfway", h.check(GatewayPackages, []string{dir}, vars...))
}

func TestGatewayCheck(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("Node.js is missing: apt-get install npm (tools/deps.sh does)")
	}
	h := newHost(t)
	manager := t.TempDir()
	// The manager prints a subgraph per flag; FAIL_DUMP names one that fails.
	h.file(filepath.Join(manager, ".venv/bin/backend.ai"), 0o755, `#!/bin/sh
# Stand-in for backend.ai mgr api dump-gql-schema [--v2|--public] -o FILE.
[ "$1 $2 $3" = "mgr api dump-gql-schema" ] || exit 1
shift 3
flag=graphene
[ "$1" = -o ] || { flag=$1; shift; }
[ "$flag" != "${FAIL_DUMP:-}" ] || { echo "Traceback: $flag" >&2; exit 1; }
printf 'type Query { %s: String }\n' "$(echo "$flag" | tr -d -)" >"$2"
`)
	dir := t.TempDir()
	// The composition: each subgraph's text after its name and URL (graphql's parse and
	// the composition library stood in for in node_modules).
	h.file(filepath.Join(dir, "node_modules/graphql/index.js"), 0o644, "exports.parse = (text) => text;\n")
	h.file(filepath.Join(dir, "node_modules/@theguild/federation-composition/index.js"), 0o644,
		"exports.composeServices = (services) => ({ supergraphSdl: services.map((s) => `# ${s.name} ${s.url}\\n${s.typeDefs}`).join('') });\n")
	vars := []string{"GATEWAY_DIR=" + dir, "MANAGER_DIR=" + manager, "BAI_USER=" + h.account, "VERSION=26.9.6",
		"GATEWAY_VERSION=2.15.1", "MANAGER_URL=http://10.0.0.1:8081", "PUBLIC_SUBGRAPH=yes"}
	supergraph, sums := filepath.Join(dir, "supergraph.graphql"), filepath.Join(dir, ".composed.sha256")
	wantDrift(t, "before the step", h.check(Gateway, []string{dir, manager}, vars...), sums+" is missing")
	h.step(Gateway, vars...)
	text, _ := os.ReadFile(supergraph)
	if want := "# graphene http://10.0.0.1:8081/admin/gql\ntype Query { graphene: String }\n# strawberry http://10.0.0.1:8081/admin/gql/strawberry\ntype Query { v2: String }\n# public http://10.0.0.1:8081/admin/gql/strawberry/public\ntype Query { public: String }\n"; string(text) != want {
		t.Errorf("the supergraph:\n%s", text)
	}
	wantDrift(t, "after the step", h.check(Gateway, []string{dir, manager}, vars...))
	h.file(supergraph, 0o644, string(text)+"# by hand\n")
	wantDrift(t, "the supergraph edited", h.check(Gateway, []string{dir, manager}, vars...),
		dir+": supergraph.graphql or gateway.config.mjs is not what the step composed")
	h.step(Gateway, vars...)
	wantDrift(t, "after the rerun", h.check(Gateway, []string{dir, manager}, vars...))
	if again, _ := os.ReadFile(supergraph); string(again) != string(text) {
		t.Errorf("the rerun did not put the supergraph back:\n%s", again)
	}

	// A subgraph that cannot be dumped: the run fails with its lines.
	broken := append(slices.Clone(vars), "FAIL_DUMP=--v2")
	if out, err := h.run(Gateway, false, broken...); err == nil || !strings.Contains(out, "Traceback: --v2") {
		t.Errorf("a run with a failing dump: %v\n%s", err, out)
	}
}

// TestPythonCheck reads this machine's Python, as a check does a node's: its uv is not
// the one asked for (no /opt/backendai/uv of that version here), the standalone build is
// not in the account's home, and python3 is not the Python a release needs.
func TestPythonCheck(t *testing.T) {
	h := newHost(t)
	me, err := user.Current() // the account's home as passwd has it, where the step looks
	if err != nil {
		t.Fatal(err)
	}
	static := filepath.Join(me.HomeDir, ".static-python")
	_, statErr := os.Stat(static)
	common := []string{"BAI_USER=" + h.account, "RELEASE=26.9.6", "UV_VERSION=0.0.0-not-installed", "INDEX_URL=", "PYTHON_MIRROR="}
	drift := h.check(Python, nil, append(slices.Clone(common), "PYTHON_SOURCE=standalone", "PYTHON_NEEDS=3.13",
		"PYTHON_VERSION=3.13.99-check", "PYTHON_URL=http://invalid/python.tar.gz", "PYTHON_SHA256=00")...)
	for _, want := range []string{"uv is ", static + "/versions/3.13.99-check/bin/python3 is missing"} {
		if !slices.ContainsFunc(drift, func(d string) bool { return strings.HasPrefix(d, want) }) {
			t.Errorf("standalone: no drift %q in %q", want, drift)
		}
	}
	if _, err := os.Stat(static); statErr != nil && err == nil {
		t.Errorf("the check made %s", static)
	}
	drift = h.check(Python, nil, append(slices.Clone(common), "PYTHON_SOURCE=distro", "PYTHON_NEEDS=2.7", "PYTHON_VERSION=")...)
	if !slices.ContainsFunc(drift, func(d string) bool {
		return strings.Contains(d, "python3 is Python 3.") && strings.HasSuffix(d, ", not 2.7")
	}) {
		t.Errorf("distro: the interpreter's version is not drift: %q", drift)
	}
}
