package configs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

func prodAppProxy() AppProxy {
	return AppProxy{DBName: "appproxy", DBUser: "appproxy", CoordinatorPort: 10200, WorkerPort: 10201,
		PortRange: [2]int{10205, 10300}, Host: "10.20.30.10", Authority: "i-bai-m1"}
}

// appProxyFiles are the App Proxy's rendered files of a line, by name.
func appProxyFiles(t *testing.T, line string) map[string]File {
	t.Helper()
	out := map[string]File{}
	for name, render := range map[string]func(Settings, AppProxy) (File, error){
		"app-proxy-coordinator.toml": AppProxyCoordinatorTOML, "app-proxy-worker.toml": AppProxyWorkerTOML,
		"alembic-appproxy.ini": AppProxyAlembicINI,
	} {
		f, err := render(prodSettings(line), prodAppProxy())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = f
	}
	return out
}

// TestAppProxyGolden: the App Proxy's files of each line, as golden files.
func TestAppProxyGolden(t *testing.T) {
	for _, line := range spec.SupportedLines {
		t.Run(line, func(t *testing.T) {
			for name, f := range appProxyFiles(t, line) {
				golden(t, filepath.Join("testdata", line, name), f.Text)
			}
		})
	}
}

// TestAppProxyKeysInSample: every key the coordinator's and the worker's files set is
// one Backend.AI's own configs of that line set or document (configs/app-proxy-*/
// halfstack.toml and sample.toml at 26.4.10 and 26.8.1, and at main, whose App Proxy
// 26.9 ships; kept in testdata/app-proxy-sample, rewritten with -samples DIR from
// DIR/<line>-<coordinator|worker>.toml).
func TestAppProxyKeysInSample(t *testing.T) {
	for _, line := range spec.SupportedLines {
		files := appProxyFiles(t, line)
		for _, svc := range []string{"coordinator", "worker"} {
			t.Run(line+"/"+svc, func(t *testing.T) {
				keysFile := filepath.Join("testdata", "app-proxy-sample", line+"-"+svc+".keys")
				if *samples != "" {
					text, err := os.ReadFile(filepath.Join(*samples, line+"-"+svc+".toml"))
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
				var tree map[string]any
				if err := toml.Unmarshal([]byte(files["app-proxy-"+svc+".toml"].Text), &tree); err != nil {
					t.Fatal(err)
				}
				for _, key := range leafKeys("", tree) {
					if !coveredBy(key, known) {
						t.Errorf("%s: not a key of Backend.AI %s's app-proxy-%s configs", key, line, svc)
					}
				}
			})
		}
	}
}

// TestAppProxySecrets: every secret is a placeholder in its place, the coordinator and
// the worker share the three App Proxy secrets, and the files hold no other secret.
func TestAppProxySecrets(t *testing.T) {
	files := appProxyFiles(t, "26.8")
	want := map[string][]string{
		"app-proxy-coordinator.toml": {AppProxyDBPassword, AppProxyAPISecret, AppProxyJWTSecret, AppProxyPermitSecret},
		"app-proxy-worker.toml":      {AppProxyAPISecret, AppProxyJWTSecret, AppProxyPermitSecret},
		"alembic-appproxy.ini":       {AppProxyDBPasswordURL},
	}
	for name, placeholders := range want {
		f := files[name]
		var got []string
		for _, sl := range f.Slots {
			got = append(got, sl.Placeholder)
			if f.Text[sl.Offset:sl.Offset+len(sl.Placeholder)] != sl.Placeholder {
				t.Errorf("%s: a slot at %d is not its placeholder", name, sl.Offset)
			}
		}
		if strings.Join(got, " ") != strings.Join(placeholders, " ") {
			t.Errorf("%s: secrets %v, want %v", name, got, placeholders)
		}
		for _, other := range []string{DBPassword, StorageProxySecret, StorageProxyJWT, "develove", "some_api_secret"} {
			if strings.Contains(f.Text, other) {
				t.Errorf("%s holds %s", name, other)
			}
		}
	}
}

// TestTLSGolden: with services.tls the webserver serves HTTPS with the node's files and
// sends its cookie over HTTPS only, and the App Proxy's coordinator and worker listen
// and advertise HTTPS (the worker reaching the coordinator so), each line's files as
// golden files; the worker's keys are its line's.
func TestTLSGolden(t *testing.T) {
	for _, line := range spec.SupportedLines {
		t.Run(line, func(t *testing.T) {
			s := prodSettings(line)
			s.TLS = &TLSFiles{Cert: "/home/bai/tls/cert.pem", Key: "/home/bai/tls/key.pem"}
			web, err := WebserverConf(s)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", line, "webserver-tls.conf"), web.Text)
			worker, err := AppProxyWorkerTOML(s, prodAppProxy())
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", line, "app-proxy-worker-tls.toml"), worker.Text)
			coordinator, err := AppProxyCoordinatorTOML(s, prodAppProxy())
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", line, "app-proxy-coordinator-tls.toml"), coordinator.Text)
			for svc, f := range map[string]File{"worker": worker, "coordinator": coordinator} {
				raw, err := os.ReadFile(filepath.Join("testdata", "app-proxy-sample", line+"-"+svc+".keys"))
				if err != nil {
					t.Fatal(err)
				}
				var tree map[string]any
				if err := toml.Unmarshal([]byte(f.Text), &tree); err != nil {
					t.Fatal(err)
				}
				for _, key := range leafKeys("", tree) {
					if !coveredBy(key, strings.Fields(string(raw))) {
						t.Errorf("%s: not a key of Backend.AI %s's app-proxy-%s configs", key, line, svc)
					}
				}
			}
			if s.URL(s.WebserverAddr()) != "https://10.20.30.10:8090" {
				t.Errorf("the Web UI's URL: %s", s.URL(s.WebserverAddr()))
			}
		})
	}
}
