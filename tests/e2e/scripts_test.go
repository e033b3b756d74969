//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/backendai-infra/backendai-infra/internal/configs"
	"github.com/backendai-infra/backendai-infra/internal/scripts"
	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// TestScriptsConverge runs each host script twice on a fresh sandbox host: the first
// run makes its change, the second reports and makes none (the files it owns keep
// their checksums), as Molecule's idempotence check does.
func TestScriptsConverge(t *testing.T) {
	parallel(t)
	s := newSandbox(t, "bai-x1:manager,agent")
	c := spec.Cluster{
		Nodes:   []spec.Node{{Name: "bai-x1", Address: s.nodes()["bai-x1"], Roles: []spec.Role{spec.RoleManager, spec.RoleAgent}}},
		Account: spec.Account{Name: "bai", UID: 1100, GID: 1100},
		Limits:  spec.Limits{NoFile: 512000, NProc: 65536},
		Sysctl:  map[string]string{"net.core.somaxconn": "2048", "net.ipv4.ip_local_port_range": "10000 65000"},
		Docker:  spec.Docker{Source: spec.DockerDistro},
	}
	owned := "/etc/passwd /etc/group /etc/hosts /etc/security/limits.d/99-backendai.conf /etc/sysctl.d/99-backendai.conf /etc/docker/daemon.json"
	digest := func() string {
		return s.ssh("bai-x1", "sha256sum "+owned+" 2>&1; cat /proc/sys/net/core/somaxconn; dpkg-query -W | sha256sum")
	}
	steps := []struct {
		name string
		in   scripts.Input
	}{
		{"account", scripts.AccountOf(c)},
		{"hosts", scripts.HostsInput{Block: scripts.HostsBlock(c)}},
		{"limits", scripts.LimitsInput{Conf: scripts.LimitsConf(c)}},
		{"sysctl", scripts.SysctlInput{Conf: scripts.SysctlConf(c)}},
		{"docker", scripts.DockerInput{Source: c.Docker.Source, User: "bai"}},
		// An insecure registry: daemon.json gets it and Docker restarts, once.
		{"daemon.json", scripts.DaemonJSONInput{InsecureRegistries: "registry.invalid:5000"}},
	}
	dockerd := func() string { return s.ssh("bai-x1", "pgrep -xo dockerd || true") }
	// check runs a step in its check mode (BAI_CHECK=1, as a refresh does), which must
	// change nothing, and returns the drift it reports.
	check := func(name string, in scripts.Input) string {
		t.Helper()
		env := scripts.Env(in)
		env["BAI_CHECK"] = "1"
		before, pid := digest(), dockerd()
		out, err := s.sshScript("bai-x1", in.Script(), env)
		if err != nil {
			t.Fatalf("%s, check mode: %v\n%s", name, err, out)
		}
		if after := digest(); after != before || dockerd() != pid {
			t.Errorf("%s, check mode changed the host:\n%s\n---\n%s", name, before, after)
		}
		var drift []string
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "drift: ") {
				drift = append(drift, line)
			}
		}
		return strings.Join(drift, "\n")
	}
	for _, st := range steps {
		if drift := check(st.name, st.in); drift == "" {
			t.Errorf("%s, check mode before its first run reports no drift", st.name)
		} else {
			t.Logf("%s, check mode before its first run: %s", st.name, drift)
		}
		first, err := s.sshScript("bai-x1", st.in.Script(), scripts.Env(st.in))
		if err != nil || !strings.Contains(first, st.name+": ") || !strings.Contains(first, "changed=yes") {
			t.Fatalf("%s, first run: %v\n%s", st.name, err, first)
		}
		before, pid := digest(), dockerd()
		second, err := s.sshScript("bai-x1", st.in.Script(), scripts.Env(st.in))
		if err != nil || !strings.Contains(second, "changed=no") {
			t.Errorf("%s, second run changed something: %v\n%s", st.name, err, second)
		}
		if after := digest(); after != before {
			t.Errorf("%s, second run changed files:\n%s\n---\n%s", st.name, before, after)
		}
		if again := dockerd(); again != pid {
			t.Errorf("%s, second run restarted Docker (pid %s, then %s)", st.name, pid, again)
		}
		if drift := check(st.name, st.in); drift != "" {
			t.Errorf("%s, check mode after its run reports drift:\n%s", st.name, drift)
		}
	}
	if got := s.ssh("bai-x1", "docker info 2>/dev/null | grep -A3 'Insecure Registries:'"); !strings.Contains(got, "registry.invalid:5000") {
		t.Errorf("Docker does not list the insecure registry:\n%s", got)
	}

	facts1, err1 := s.sshScript("bai-x1", scripts.Facts, nil)
	facts2, err2 := s.sshScript("bai-x1", scripts.Facts, nil)
	if err1 != nil || err2 != nil || facts1 != facts2 || !strings.Contains(facts1, `"os":"debian"`) {
		t.Errorf("facts: %v %v\n%s\n%s", err1, err2, facts1, facts2)
	}
}

// TestScriptsRefuse checks that a host which cannot take the configuration fails the
// step with the reason, and keeps what it had.
func TestScriptsRefuse(t *testing.T) {
	parallel(t)
	s := newSandbox(t, "bai-x2:manager,agent")
	tests := []struct {
		name, script string
		env          map[string]string
		want         string
		unchanged    string // a command whose output the failed run must not change
	}{
		{
			name:   "kernel-wide sysctl",
			script: scripts.Sysctl, env: map[string]string{"SYSCTL_CONF": "net.core.somaxconn=3000\nvm.overcommit_memory=1"},
			want:      "vm.overcommit_memory=1 refused by the kernel",
			unchanged: "cat /etc/sysctl.d/99-backendai.conf 2>/dev/null || echo absent",
		},
		{
			name:   "unknown sysctl key",
			script: scripts.Sysctl, env: map[string]string{"SYSCTL_CONF": "net.ipv4.no_such_key=1"},
			want:      "net.ipv4.no_such_key: this kernel has no such key",
			unchanged: "cat /etc/sysctl.d/99-backendai.conf 2>/dev/null || echo absent",
		},
		{
			name:   "UID taken by another user",
			script: "useradd --uid 1100 --no-user-group --gid users someone\n" + scripts.Account, env: map[string]string{"BAI_USER": "bai", "BAI_UID": "1100", "BAI_GID": "1100"},
			want:      "UID 1100 already belongs to user someone",
			unchanged: "getent group bai; getent passwd bai; echo end",
		},
		{
			name:   "GID taken by another group",
			script: "groupadd --gid 1100 others\n" + scripts.Account, env: map[string]string{"BAI_USER": "bai", "BAI_UID": "1100", "BAI_GID": "1100"},
			want:      "GID 1100 already belongs to group others",
			unchanged: "getent group bai; getent passwd bai; echo end",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.ssh("bai-x2", tt.unchanged)
			out, err := s.sshScript("bai-x2", tt.script, tt.env)
			if err == nil {
				t.Fatalf("the step succeeded:\n%s", out)
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("the step does not say %q:\n%s", tt.want, out)
			}
			if after := s.ssh("bai-x2", tt.unchanged); after != before {
				t.Errorf("the failed step changed %q: %q -> %q", tt.unchanged, before, after)
			}
		})
	}
}

// TestConfigAndServiceScripts installs a service's config with its secrets put in
// place on the host, and its run script and unit; each converges on a second run.
func TestConfigAndServiceScripts(t *testing.T) {
	parallel(t)
	s := newSandbox(t, "bai-x3:manager,agent")
	account := map[string]string{"BAI_USER": "bai", "BAI_UID": "1100", "BAI_GID": "1100"}
	if out, err := s.sshScript("bai-x3", scripts.Account, account); err != nil {
		t.Fatalf("account: %v\n%s", err, out)
	}
	settings := configs.Settings{
		Line: "26.8", Namespace: "local", Etcd: configs.Addr{Host: "127.0.0.1", Port: 8120},
		DB: configs.Addr{Host: "127.0.0.1", Port: 8100}, Redis: configs.Addr{Host: "127.0.0.1", Port: 8110},
		DBName: "backend", DBUser: "postgres", Home: "/home/bai", Manager: configs.Addr{Host: "10.0.0.1", Port: 8081},
		ManagerInternalPort: 18080, NumProc: 1,
		StorageProxy: configs.StorageProxy{Name: "local", NodeID: "i-x3", ClientPort: 6021, ManagerPort: 6022,
			Volumes: []configs.Volume{{Name: "volume1", Backend: "vfs", Path: "/vfroot/local"}}},
	}
	rendered, err := configs.ManagerTOML(settings)
	if err != nil {
		t.Fatal(err)
	}
	text := rendered.Text
	const password = `a&b\c"d'e$f`
	env := map[string]string{"CONFIG_PATH": "/home/bai/manager/manager.toml", "CONFIG_TEXT": text, "CONFIG_SLOTS": rendered.SlotList(), "CONFIG_OWNER": "bai", "CONFIG_MODE": "0600"}
	for k, v := range configs.SecretValues(password, "shared", "jwt") {
		env[strings.Trim(k, "@")] = v
	}
	for i, want := range []string{"changed=yes", "changed=no"} {
		out, err := s.sshScript("bai-x3", scripts.Config, env)
		if err != nil || !strings.Contains(out, want) {
			t.Fatalf("config, run %d: %v\n%s", i+1, err, out)
		}
		if strings.Contains(out, "a&b") {
			t.Errorf("config printed the secret:\n%s", out)
		}
	}
	if got := s.ssh("bai-x3", "stat -c '%U %a' /home/bai/manager/manager.toml; grep '^password = \"a' /home/bai/manager/manager.toml"); got != "bai 600\npassword = \"a&b\\\\c\\\"d'e$f\"" {
		t.Errorf("the installed config: %q", got)
	}
	// A placeholder without a value fails the step and leaves the file as it was.
	delete(env, "BACKENDAI_DB_PASSWORD")
	env["CONFIG_TEXT"] = text + "\n# changed\n"
	before := s.ssh("bai-x3", "sha256sum /home/bai/manager/manager.toml")
	if out, err := s.sshScript("bai-x3", scripts.Config, env); err == nil || !strings.Contains(out, "config: manager.toml: no value for @BACKENDAI_DB_PASSWORD@") {
		t.Errorf("a missing secret: %v\n%s", err, out)
	}
	if after := s.ssh("bai-x3", "sha256sum /home/bai/manager/manager.toml"); after != before {
		t.Error("the failed step changed the config")
	}

	svc := configs.Services[2]
	senv := map[string]string{"SERVICE": svc.Name, "UNIT_TEXT": svc.UnitFile("/home/bai", configs.Account{Name: "bai", UID: 1100, GID: 1100}),
		"RUN_SCRIPT": "/home/bai/bin/run-" + svc.Name + ".sh", "RUN_SCRIPT_TEXT": svc.RunScript("/home/bai"), "BAI_USER": "bai"}
	for i, want := range []string{"changed=yes", "changed=no"} {
		out, err := s.sshScript("bai-x3", scripts.ServiceUnit, senv)
		if err != nil || !strings.Contains(out, want) {
			t.Fatalf("service, run %d: %v\n%s", i+1, err, out)
		}
	}
	if got := s.ssh("bai-x3", "stat -c '%U %a' /home/bai/bin/run-webserver.sh /etc/systemd/system/backendai-webserver.service"); got != "bai 755\nroot 644" {
		t.Errorf("installed run script and unit: %q", got)
	}
}
