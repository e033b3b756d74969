package scripts

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"

	"github.com/backendai-infra/backendai-infra/internal/configs"
)

// TestConfigFillsOnlySlots runs config.sh on this machine, into a temporary directory:
// a web UI title that holds every placeholder stays as written, and only the places
// the renderer chose get a secret, escaped for TOML.
func TestConfigFillsOnlySlots(t *testing.T) {
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	s := configs.Settings{
		Line: "26.8", Namespace: "local", Etcd: configs.Addr{Host: "127.0.0.1", Port: 8120},
		DB: configs.Addr{Host: "127.0.0.1", Port: 8100}, Redis: configs.Addr{Host: "127.0.0.1", Port: 8110},
		DBName: "backend", DBUser: "postgres", Home: "/home/bai", Manager: configs.Addr{Host: "10.0.0.1", Port: 8081},
		ManagerInternalPort: 18080, NumProc: 1,
		StorageProxy: configs.StorageProxy{Name: "local", NodeID: "i-x", ClientPort: 6021, ManagerPort: 6022,
			Volumes: []configs.Volume{{Name: "volume1", Backend: "vfs", Path: "/vfroot/local"}}},
		Webserver: configs.Webserver{Port: 8090, Domain: "default", MaxSessionAge: 60,
			Title: "Ünï " + configs.DBPassword + " " + configs.StorageProxySecret + " " + configs.StorageProxyJWT},
	}
	const password, secret = `pw"\ä$x`, "proxy-secret-value"
	for name, render := range map[string]func(configs.Settings) (configs.File, error){
		"webserver.conf": configs.WebserverConf, "storage-proxy.toml": configs.StorageProxyTOML, "manager.toml": configs.ManagerTOML,
	} {
		t.Run(name, func(t *testing.T) {
			f, err := render(s)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), name)
			cmd := exec.Command("bash", "-s")
			cmd.Stdin = strings.NewReader(Config)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "CONFIG_PATH=" + path, "CONFIG_TEXT=" + f.Text,
				"CONFIG_SLOTS=" + f.SlotList(), "CONFIG_OWNER=" + me.Username}
			for k, v := range configs.SecretValues(password, secret, "jwt-secret-value") {
				cmd.Env = append(cmd.Env, strings.Trim(k, "@")+"="+v)
			}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			written, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(written) != f.Fill(configs.SecretValues(password, secret, "jwt-secret-value")) {
				t.Errorf("config.sh and File.Fill disagree:\n%s", written)
			}
			var m map[string]any
			if err := toml.Unmarshal(written, &m); err != nil {
				t.Fatalf("not TOML: %v\n%s", err, written)
			}
			if name == "webserver.conf" {
				if got := m["api"].(map[string]any)["text"]; got != s.Webserver.Title {
					t.Errorf("title %q, want it as written", got)
				}
				for _, v := range []string{"pw", secret, "jwt-secret-value"} {
					if strings.Contains(string(written), v) {
						t.Errorf("webserver.conf holds a secret (%q):\n%s", v, written)
					}
				}
			}
			if name == "manager.toml" {
				if got := m["db"].(map[string]any)["password"]; got != password {
					t.Errorf("password %q", got)
				}
			}
		})
	}
}
