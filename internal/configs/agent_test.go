package configs

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// samples names a directory of Backend.AI's agent sample files, <line>.toml, from which
// the test rewrites testdata/agent-sample/<line>.keys (the key paths each sample sets or
// shows commented out). They came from lablup/backend.ai's configs/agent/sample.toml at
// the tags 26.4.9 and 26.8.1, and for 26.9 from `backend.ai ag config generate-sample`
// of the released 26.9.6 (the command Backend.AI's release script makes the file with).
var samples = flag.String("samples", "", "rewrite testdata/agent-sample/*.keys from DIR/<line>.toml")

func prodAgent() Agent {
	return Agent{ID: "i-bai-a01", Address: "10.20.30.20", RPCPort: 6001, ResourceGroup: "default",
		PortRange: [2]int{30000, 31000}, ScratchRoot: "/var/lib/backend.ai/scratches", MountPath: "/vfroot",
		ReservedCPU: 1, ReservedMemory: "1G", ReservedDisk: "8G", ComputePlugins: []string{"ai.backend.accelerator.cuda_open"}, Account: Account{Name: "bai", UID: 1100, GID: 1100}}
}

func agentSettings(line string) Settings {
	s := prodSettings(line)
	s.EtcdPublic = Addr{"10.20.30.10", 8120}
	return s
}

func TestAgentGolden(t *testing.T) {
	for _, line := range spec.SupportedLines {
		t.Run(line, func(t *testing.T) {
			got, err := AgentTOML(agentSettings(line), prodAgent())
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", line, "agent.toml"), got.Text)
			mock, err := MockAcceleratorTOML(line, "i-bai-a01", 2)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", line, "mock-accelerator.toml"), mock.Text)
		})
	}
}

// TestAgentKeysInSample: every key agent.toml sets is one Backend.AI's own sample of
// that line sets or documents, and the resource group goes by the line's name for it.
func TestAgentKeysInSample(t *testing.T) {
	for _, line := range spec.SupportedLines {
		t.Run(line, func(t *testing.T) {
			keysFile := filepath.Join("testdata", "agent-sample", line+".keys")
			if *samples != "" {
				text, err := os.ReadFile(filepath.Join(*samples, line+".toml"))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(keysFile, []byte(strings.Join(SampleKeys(string(text)), "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			raw, err := os.ReadFile(keysFile)
			if err != nil {
				t.Fatal(err)
			}
			known := strings.Fields(string(raw))
			f, err := AgentTOML(agentSettings(line), prodAgent())
			if err != nil {
				t.Fatal(err)
			}
			var tree map[string]any
			if err := toml.Unmarshal([]byte(f.Text), &tree); err != nil {
				t.Fatal(err)
			}
			for _, key := range leafKeys("", tree) {
				if !coveredBy(key, known) {
					t.Errorf("%s: not a key of Backend.AI %s's sample agent.toml", key, line)
				}
			}
			group := "agent.initial-resource-group-name"
			if line == "26.4" {
				group = "agent.scaling-group"
			}
			if !slices.Contains(known, group) || !slices.Contains(leafKeys("", tree), group) {
				t.Errorf("the resource group is not set as %s", group)
			}
		})
	}
}

// leafKeys are the dotted paths of a parsed TOML tree's values.
func leafKeys(prefix string, tree map[string]any) []string {
	var out []string
	for k, v := range tree {
		if sub, ok := v.(map[string]any); ok && !isAddr(sub) {
			out = append(out, leafKeys(prefix+k+".", sub)...)
			continue
		}
		out = append(out, prefix+k)
	}
	slices.Sort(out)
	return out
}

// isAddr is an inline { host, port } value, one key in the sample.
func isAddr(m map[string]any) bool {
	_, h := m["host"]
	_, p := m["port"]
	return h && p && len(m) == 2
}

// coveredBy: the key, or a table or value above it (a free-form table in the sample).
func coveredBy(key string, known []string) bool {
	for k := key; k != ""; {
		if slices.Contains(known, k) {
			return true
		}
		i := strings.LastIndex(k, ".")
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return false
}

var (
	sampleTable = regexp.MustCompile(`^\s*(?:##\s*)?\[\[?([A-Za-z0-9_.<>-]+)\]\]?\s*$`)
	sampleKey   = regexp.MustCompile(`^\s*(?:##\s*)?([A-Za-z0-9_-]+)\s*=`)
)

// SampleKeys are the dotted key paths a Backend.AI sample config sets or shows
// commented out ("## key = ..."), in order.
func SampleKeys(text string) []string {
	var out []string
	table := ""
	for _, line := range strings.Split(text, "\n") {
		if m := sampleTable.FindStringSubmatch(line); m != nil {
			table = m[1]
			out = append(out, table)
			continue
		}
		if m := sampleKey.FindStringSubmatch(line); m != nil && !strings.HasPrefix(strings.TrimSpace(line), "# ") {
			key := m[1]
			if table != "" {
				key = table + "." + key
			}
			if !slices.Contains(out, key) {
				out = append(out, key)
			}
		}
	}
	return out
}

func TestAgentRefused(t *testing.T) {
	for _, tt := range []struct {
		name string
		edit func(*Agent)
		want string
	}{
		{"no address", func(a *Agent) { a.Address = "" }, "address are required"},
		{"no port", func(a *Agent) { a.RPCPort = 0 }, "rpcPort 0"},
		{"backwards range", func(a *Agent) { a.PortRange = [2]int{31000, 30000} }, "portRange"},
		{"relative scratch", func(a *Agent) { a.ScratchRoot = "scratch" }, "absolute"},
		{"no uid", func(a *Agent) { a.Account.UID = 0 }, "uid/gid"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := prodAgent()
			tt.edit(&a)
			if _, err := AgentTOML(agentSettings("26.8"), a); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestAgentAgreesWithManager: the etcd the agent reads is the management node's, in the
// same namespace, and the public key it trusts is beside the manager's keypair name.
func TestAgentAgreesWithManager(t *testing.T) {
	s := agentSettings("26.9")
	var agent, mgr map[string]any
	for _, p := range []struct {
		render func() (File, error)
		into   *map[string]any
	}{{func() (File, error) { return AgentTOML(s, prodAgent()) }, &agent}, {func() (File, error) { return ManagerTOML(s) }, &mgr}} {
		f, err := p.render()
		if err != nil {
			t.Fatal(err)
		}
		if err := toml.Unmarshal([]byte(f.Text), p.into); err != nil {
			t.Fatal(err)
		}
	}
	ae, me := agent["etcd"].(map[string]any), mgr["etcd"].(map[string]any)
	// The manager reaches etcd on its own loopback, the agent at the node's address.
	if ae["namespace"] != me["namespace"] || !equalAddr(ae["addr"], ae["addr"], s.EtcdPublic) ||
		s.EtcdPublic.Port != s.Etcd.Port || s.EtcdPublic.Host != s.Manager.Host {
		t.Errorf("agent etcd %v, manager etcd %v", ae, me)
	}
	a := agent["agent"].(map[string]any)
	if !equalAddr(a["advertised-rpc-addr"], a["advertised-rpc-addr"], Addr{"10.20.30.20", 6001}) {
		t.Errorf("advertised-rpc-addr = %v", a["advertised-rpc-addr"])
	}
	if c := agent["container"].(map[string]any); c["kernel-uid"] != int64(1100) || c["kernel-gid"] != int64(1100) {
		t.Errorf("containers' uid/gid = %v/%v", c["kernel-uid"], c["kernel-gid"])
	}
}
