package scripts

import (
	"flag"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// prod is the example cluster of "Configure network aliases" in Backend.AI's
// docs/install/install-from-package/os-preparation.rst (26.8.1), with one override of that
// guide's sysctl values.
func prod() spec.Cluster {
	sysctl := spec.DefaultSysctl()
	sysctl["net.core.somaxconn"] = "4096"
	delete(sysctl, "vm.overcommit_memory")
	return spec.Cluster{
		Nodes: []spec.Node{
			{Name: "bai-m1", Address: "10.20.30.10", Roles: []spec.Role{spec.RoleManager}},
			{Name: "bai-a01", Address: "10.20.30.20", Roles: []spec.Role{spec.RoleAgent}},
			{Name: "bai-a02", Address: "10.20.30.22", Roles: []spec.Role{spec.RoleAgent}},
			{Name: "bai-s1", Address: "fd00::30", Roles: []spec.Role{spec.RoleStorage, spec.RoleAgent}},
		},
		Account: spec.Account{Name: "bai", UID: 1100, GID: 1100},
		Limits:  spec.Limits{NoFile: 512000, NProc: 65536},
		Sysctl:  sysctl,
	}
}

// storageProd is that cluster with its NFS storage node, bai-s1.
func storageProd() spec.Cluster {
	c := prod()
	c.Nodes[3] = spec.Node{Name: "bai-s1", Address: "10.20.30.30", Roles: []spec.Role{spec.RoleStorage}}
	c.Storage = spec.Storage{ExportOptions: spec.DefaultExportOptions, MountOptions: spec.DefaultMountOptions,
		NFSServer: spec.NFSKernel, Mount: spec.MountNFS}
	return c
}

func TestRenderGolden(t *testing.T) {
	tests := []struct {
		file string
		got  string
	}{
		{"hosts-block.golden", HostsBlock(prod())},
		{"limits.conf.golden", LimitsConf(prod())},
		{"sysctl.conf.golden", SysctlConf(prod())},
		{"backendai.exports.golden", ExportsFile(storageProd(), "bai-s1")},
		{"ganesha.conf.golden", GaneshaConf(storageProd(), "bai-s1")},
		{"fstab-block.golden", FstabBlock(storageProd())},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			if *update {
				if err := os.WriteFile(path, []byte(tt.got+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if tt.got+"\n" != string(want) {
				t.Errorf("%s differs (go test ./internal/scripts -update rewrites it):\n%s", tt.file, tt.got)
			}
		})
	}
}

func TestAccountEnv(t *testing.T) {
	env := Env(AccountOf(prod()))
	if env["BAI_USER"] != "bai" || env["BAI_UID"] != "1100" || env["BAI_GID"] != "1100" || len(env) != 3 {
		t.Errorf("AccountOf = %v", env)
	}
}

// TestInputs: each input names its script, exports every field (empty ones too, unless
// omitempty), flattens shared parts and merges free-form variables.
func TestInputs(t *testing.T) {
	tests := []struct {
		name   string
		in     Input
		script string
		want   map[string]string
	}{
		{"facts", FactsInput{}, Facts, map[string]string{}},
		{"empty fields stay", PythonInput{Source: "distro", User: "bai"}, Python,
			map[string]string{"PYTHON_SOURCE": "distro", "PYTHON_URL": "", "PYTHON_SHA256": "", "PYTHON_VERSION": "", "PYTHON_MIRROR": "",
				"PYTHON_NEEDS": "", "RELEASE": "", "UV_VERSION": "", "INDEX_URL": "", "BAI_USER": "bai"}},
		{"omitempty port", ServiceInput{Service: "webserver"}, ServiceUnit,
			map[string]string{"SERVICE": "webserver", "UNIT_TEXT": "", "RUN_SCRIPT": "", "RUN_SCRIPT_TEXT": "", "BAI_USER": "", "CONFIG_SHA256": ""}},
		{"port set", ServiceInput{Service: "agent", WaitPort: 6001}, ServiceUnit,
			map[string]string{"SERVICE": "agent", "UNIT_TEXT": "", "RUN_SCRIPT": "", "RUN_SCRIPT_TEXT": "", "BAI_USER": "", "CONFIG_SHA256": "", "WAIT_PORT": "6001"}},
		{"shared part", SchemaInput{ManagerCommand: ManagerCommand{Dir: "/home/bai/manager", User: "bai", Version: "26.9.6"}, AlembicSHA256: "ab"}, Schema,
			map[string]string{"MANAGER_DIR": "/home/bai/manager", "BAI_USER": "bai", "VERSION": "26.9.6", "ALEMBIC_SHA256": "ab"}},
		{"free-form", HalfstackInput{Vars: map[string]string{"HALFSTACK_SERVICES": "db"}}, Halfstack, map[string]string{"HALFSTACK_SERVICES": "db"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.in.Script() != tt.script {
				t.Error("the input names another script")
			}
			if got := Env(tt.in); !maps.Equal(got, tt.want) {
				t.Errorf("Env = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestExportsToPoolClients: the storage node exports the volumes to the cluster's nodes
// and to the clients the stack adds for agent pools of other stacks.
func TestExportsToPoolClients(t *testing.T) {
	c := storageProd()
	c.Storage.Clients = []string{"10.0.2.0/24", "10.0.3.7"}
	exports, ganesha := ExportsFile(c, "bai-s1"), GaneshaConf(c, "bai-s1")
	for _, client := range []string{"10.0.2.0/24", "10.0.3.7"} {
		if !strings.Contains(exports, " "+client+"(") || !strings.Contains(ganesha, client) {
			t.Errorf("the exports do not name the client %s:\n%s\n%s", client, exports, ganesha)
		}
	}
}

// TestScriptsShape: every script begins with the prelude and defines none of its
// functions again, and says whether a refresh reads it back: a check mode (the header
// line the provider looks for), or a header line saying that a refresh does not.
func TestScriptsShape(t *testing.T) {
	files, err := filepath.Glob("*.sh")
	if err != nil || len(files) < 30 {
		t.Fatalf("the scripts: %v %v", files, err)
	}
	shared := regexp.MustCompile(`(?m)^(apt_get|as_bai|drift)\(\)`)
	for _, f := range files {
		if f == "prelude.sh" {
			continue
		}
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := shared.FindString(string(text)); m != "" {
			t.Errorf("%s defines %s, which prelude.sh has", f, m)
		}
		check := strings.Contains(string(text), "\n# Check mode: ")
		if says := strings.Contains(string(text), "A refresh does not read this step back"); check == says {
			t.Errorf("%s: a check mode %v, a header that says a refresh does not read it %v: want exactly one", f, check, says)
		}
	}
	if !strings.HasPrefix(Hosts, prelude) || !strings.HasPrefix(VerifyCluster, prelude) {
		t.Error("the scripts do not begin with the prelude")
	}
}
