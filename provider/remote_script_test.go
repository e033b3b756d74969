package provider

import (
	"os/exec"
	"strings"
	"testing"
)

func TestStdinExportsEnvironmentBeforeScript(t *testing.T) {
	args := ScriptArgs{
		Environment:       map[string]string{"B": "it's", "A": "two\nlines"},
		SecretEnvironment: map[string]string{"PASSWORD": `p'$(rm -rf /)"`},
	}
	stdin := stdinFor(args, `printf '%s|%s|%s' "$A" "$B" "$PASSWORD"`)
	out, err := exec.Command("bash", "-c", stdin).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(out), "two\nlines|it's|p'$(rm -rf /)\""; got != want {
		t.Errorf("script saw %q, want %q", got, want)
	}
	if !strings.HasPrefix(stdin, "export A=") {
		t.Errorf("environment not exported first, in order:\n%s", stdin)
	}
}

func TestScrubHidesSecrets(t *testing.T) {
	got := scrub("login failed for s3cret and s3cret again", []string{"s3cret", ""})
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "[secret]") {
		t.Errorf("scrub = %q", got)
	}
}

func TestNeedsRun(t *testing.T) {
	key := "k1"
	base := ScriptArgs{
		Connection:  Connection{Host: "10.0.0.1", Port: 22, PrivateKey: "a"},
		Script:      "echo",
		Environment: map[string]string{"X": "1"},
	}
	tests := []struct {
		name   string
		change func(*ScriptArgs)
		want   bool
	}{
		{"nothing", func(*ScriptArgs) {}, false},
		{"login key", func(a *ScriptArgs) { a.Connection.PrivateKey = "b" }, false},
		{"host key", func(a *ScriptArgs) { a.Connection.HostKey = &key }, false},
		{"script", func(a *ScriptArgs) { a.Script = "echo 2" }, true},
		{"environment", func(a *ScriptArgs) { a.Environment = map[string]string{"X": "2"} }, true},
		{"secret environment", func(a *ScriptArgs) { a.SecretEnvironment = map[string]string{"S": "1"} }, true},
		{"host", func(a *ScriptArgs) { a.Connection.Host = "10.0.0.2" }, true},
		{"port", func(a *ScriptArgs) { a.Connection.Port = 2222 }, true},
		{"user", func(a *ScriptArgs) { a.Connection.User = "ubuntu" }, true},
		{"default port made explicit", func(a *ScriptArgs) { a.Connection.Port = 0 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := base
			next.Connection = base.Connection
			tt.change(&next)
			if got := needsRun(base, next); got != tt.want {
				t.Errorf("needsRun = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTailKeepsLastLines(t *testing.T) {
	if got := tail("a\nb\nc\n", 2); got != "b\nc" {
		t.Errorf("tail = %q", got)
	}
	if got := lastLine("x\ny\n"); got != "y" {
		t.Errorf("lastLine = %q", got)
	}
}
