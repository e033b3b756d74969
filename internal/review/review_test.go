package review

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestSplitPath(t *testing.T) {
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"environment.CONFIG_TEXT", []string{"environment", "CONFIG_TEXT"}},
		{"value.redis.addr", []string{"value", "redis", "addr"}},
		{`rows["users/uuid=dfa9"]`, []string{"rows", "users/uuid=dfa9"}},
		{`value["a.b"].c`, []string{"value", "a.b", "c"}},
		{"script", []string{"script"}},
	} {
		if got := splitPath(tc.path); !slices.Equal(got, tc.want) {
			t.Errorf("splitPath(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

func TestGroup(t *testing.T) {
	nodes := nodeNames(map[string]string{"backendai-cluster:nodes": `[{"name":"bai-a1"},{"name":"bai-a10"},{"name":"bai-m1"}]`})
	for _, tc := range []struct{ resource, want string }{
		{"bai-a10-agent-agent-config", "bai-a10"},
		{"bai-a1-sysctl", "bai-a1"},
		{"bai-m1", "bai-m1"},
		{"bai-m1x-sysctl", ""},
		{"verification-checks", ""},
	} {
		if got := group(nodes, tc.resource); got != tc.want {
			t.Errorf("group(%q) = %q, want %q", tc.resource, got, tc.want)
		}
	}
}

// TestComment: the comment of each preview under testdata (a real `pulumi preview
// --json` of the sandbox stack, see testdata/README) is its golden file; no secret of
// the stack appears in it.
func TestComment(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.json")
	if len(files) == 0 {
		t.Fatal("no previews in testdata")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			p, err := Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := Write(&got, "sandbox", p); err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(file, ".json") + ".md"
			if *update {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != string(want) {
				t.Errorf("the comment differs from %s (go test -update ./internal/review rewrites it):\n%s", golden, got.String())
			}
			for _, s := range stackSecrets {
				if strings.Contains(got.String(), s) {
					t.Errorf("the comment shows the secret %q", s)
				}
			}
		})
	}
}

// stackSecrets are the secrets of the sandbox stack whose preview testdata holds (fresh
// random values of a demo's hosts, which are gone): its services' secrets, the
// superadmin's secret key and password, and the login key's armor.
var stackSecrets = []string{"bn/uKZiFaNhC7UrBg5jvEr0h", "xvXH/FqyUFl1tmGf1a7KkuKA", "Uf+mmpncm/JP7sNtlZ6XzcEH",
	"iFpvttj90QsqoU-jnAvjuS72l4lUyM0IT6da_r0F", "dGFYrnVn9B7j5u7gIFfWAxDo", "PRIVATE KEY"}
