package configs

import (
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func prodSettings(line string) Settings {
	return Settings{
		Line: line, Namespace: "local",
		Etcd: Addr{"127.0.0.1", 8120}, DB: Addr{"127.0.0.1", 8100}, Redis: Addr{"127.0.0.1", 8110},
		DBName: "backend", DBUser: "postgres", Home: "/home/bai",
		Manager: Addr{"10.20.30.10", 8081}, ManagerInternalPort: 18080, NumProc: 4,
		StorageProxy: StorageProxy{Name: "bai-m1", NodeID: "i-bai-m1", ClientPort: 6021, ManagerPort: 6022,
			Volumes: []Volume{{Name: "nfs", Backend: "vfs", Path: "/vfroot/nfs"}}},
		Webserver: Webserver{Port: 8090, Domain: "default", Title: "Backend.AI", MaxSessionAge: 604800, GatewayPort: 4000},
	}
}

type renderer func(Settings) (File, error)

var files = map[string]renderer{
	"manager.toml":       ManagerTOML,
	"alembic.ini":        AlembicINI,
	"storage-proxy.toml": StorageProxyTOML,
	"webserver.conf":     WebserverConf,
}

func TestGolden(t *testing.T) {
	for _, line := range spec.SupportedLines {
		for name, render := range files {
			t.Run(line+"/"+name, func(t *testing.T) {
				got, err := render(prodSettings(line))
				if err != nil {
					t.Fatal(err)
				}
				golden(t, filepath.Join("testdata", line, name), got.Text)
			})
		}
	}
}

// TestSharedValuesAgree parses the rendered files and checks that what they share is
// the same: etcd, the database, Redis, the manager's address, the storage proxy secret.
func TestSharedValuesAgree(t *testing.T) {
	s := prodSettings("26.8")
	parse := func(r renderer) map[string]any {
		f, err := r(s)
		if err != nil {
			t.Fatal(err)
		}
		text := f.Text
		var m map[string]any
		if err := toml.Unmarshal([]byte(text), &m); err != nil {
			t.Fatalf("not TOML: %v\n%s", err, text)
		}
		return m
	}
	get := func(m map[string]any, keys ...string) any {
		var v any = m
		for _, k := range keys {
			v = v.(map[string]any)[k]
		}
		return v
	}
	manager, storage, web := parse(ManagerTOML), parse(StorageProxyTOML), parse(WebserverConf)
	if a, b := get(manager, "etcd", "addr"), get(storage, "etcd", "addr"); !equalAddr(a, b, s.Etcd) {
		t.Errorf("etcd: manager %v, storage proxy %v, want %v", a, b, s.Etcd)
	}
	if get(manager, "etcd", "namespace") != get(storage, "etcd", "namespace") {
		t.Error("the etcd namespaces differ")
	}
	if got := get(storage, "api", "manager", "secret"); got != StorageProxySecret {
		t.Errorf("the storage proxy's manager secret is %v, not the one etcd holds", got)
	}
	if got := get(SecretVolumesTree(s, StorageProxySecret), "proxies", s.StorageProxy.Name, "secret"); got != StorageProxySecret {
		t.Errorf("etcd's secret is %v", got)
	}
	vt := VolumesTree(s, "10.20.30.10")
	if got := get(vt, "default_host"); got != "bai-m1:nfs" {
		t.Errorf("default_host %v: the proxy and a volume the storage proxy has", got)
	}
	if got := get(vt, "proxies", "bai-m1", "manager_api"); got != "http://10.20.30.10:6022" {
		t.Errorf("manager_api %v", got)
	}
	if !equalAddr(get(manager, "db", "addr"), get(manager, "db", "addr"), s.DB) {
		t.Error("manager db addr")
	}
	alembic, _ := AlembicINI(s)
	if !strings.Contains(alembic.Text, "sqlalchemy.url = postgresql+asyncpg://postgres:"+DBPasswordURL+"@127.0.0.1:8100/backend\n") {
		t.Errorf("alembic.ini's database is not the manager's:\n%s", alembic.Text)
	}
	if got := get(web, "session", "redis", "addr"); got != s.Redis.String() {
		t.Errorf("webserver redis %v", got)
	}
	if got := get(web, "api", "endpoint"); got != "http://10.20.30.10:8081" {
		t.Errorf("webserver api endpoint %v", got)
	}
	if got := get(manager, "manager", "service-addr", "port"); got != int64(8081) {
		t.Errorf("manager port %v", got)
	}
}

func equalAddr(a, b any, want Addr) bool {
	am, bm := a.(map[string]any), b.(map[string]any)
	return am["host"] == want.Host && am["port"] == int64(want.Port) && bm["host"] == want.Host && bm["port"] == int64(want.Port)
}

// TestSecretsReplaced puts an awkward password into the files the way the host step
// does and reads it back as the services would.
func TestSecretsReplaced(t *testing.T) {
	const password = `pa"ss\w%rd@host:/ 100%+x`
	values := SecretValues(password, "shared-secret", "jwt-secret")
	replace := func(f File) string { return f.Fill(values) }
	s := prodSettings("26.4")
	manager, _ := ManagerTOML(s)
	var m struct {
		DB struct {
			Password string `toml:"password"`
		} `toml:"db"`
	}
	if err := toml.Unmarshal([]byte(replace(manager)), &m); err != nil || m.DB.Password != password {
		t.Errorf("manager.toml password: %q, %v", m.DB.Password, err)
	}
	alembic, _ := AlembicINI(s)
	line := ""
	for _, l := range strings.Split(replace(alembic), "\n") {
		if strings.HasPrefix(l, "sqlalchemy.url = ") {
			line = strings.TrimPrefix(l, "sqlalchemy.url = ")
		}
	}
	// configparser turns %% into %; SQLAlchemy then unquotes the URL.
	u, err := url.Parse(strings.ReplaceAll(line, "%%", "%"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := u.User.Password(); got != password || u.Host != "127.0.0.1:8100" {
		t.Errorf("alembic.ini password %q host %q", got, u.Host)
	}
}

// TestPlaceholdersOnlyWhereRendered gives the web UI a title that holds every
// placeholder: the title stays as written, and only the renderer's places get a secret.
func TestPlaceholdersOnlyWhereRendered(t *testing.T) {
	const password = "db password" // its URL form (db%%20password) differs
	values := SecretValues(password, "shared-secret-value", "jwt-secret-value")
	s := prodSettings("26.8")
	s.Webserver.Title = "Lab " + DBPassword + " " + DBPasswordURL + " " + StorageProxySecret + " " + StorageProxyJWT + " 'quoted' @"
	for name, render := range files {
		f, err := render(s)
		if err != nil {
			t.Fatal(err)
		}
		filled := f.Fill(values)
		for placeholder, v := range values {
			placed := 0
			for _, sl := range f.Slots {
				if sl.Placeholder == placeholder {
					placed++
				}
			}
			if got := strings.Count(filled, v); got != placed {
				t.Errorf("%s: %q is in the file %d times, placed %d times:\n%s", name, v, got, placed, filled)
			}
		}
		if name != "webserver.conf" {
			continue
		}
		if len(f.Slots) != 0 || f.SlotList() != "" {
			t.Errorf("webserver.conf has slots %v: it holds no secret", f.Slots)
		}
		var w struct {
			API struct {
				Text string `toml:"text"`
			} `toml:"api"`
		}
		if err := toml.Unmarshal([]byte(filled), &w); err != nil || w.API.Text != s.Webserver.Title {
			t.Errorf("title %q, %v; want it as written", w.API.Text, err)
		}
		if strings.Contains(filled, password) {
			t.Errorf("the database password is in webserver.conf:\n%s", filled)
		}
	}
	// The slots are where the placeholders are, and nowhere else.
	f, _ := StorageProxyTOML(s)
	if len(f.Slots) != 2 {
		t.Fatalf("storage-proxy.toml slots %v", f.Slots)
	}
	for _, sl := range f.Slots {
		if got := f.Text[sl.Offset : sl.Offset+len(sl.Placeholder)]; got != sl.Placeholder {
			t.Errorf("slot %v holds %q", sl, got)
		}
	}
}

// URLs built from node addresses put an IPv6 address in brackets and escape a zone.
func TestAddrHTTP(t *testing.T) {
	for addr, want := range map[Addr]string{
		{"10.20.30.10", 8090}:  "http://10.20.30.10:8090",
		{"2001:db8::10", 8090}: "http://[2001:db8::10]:8090",
		{"fe80::1%eth0", 8081}: "http://[fe80::1%25eth0]:8081",
		{"bai-m1", 8081}:       "http://bai-m1:8081",
	} {
		if got := addr.HTTP(); got != want {
			t.Errorf("%v: %s, want %s", addr, got, want)
		}
	}
}

func TestSettingsRefused(t *testing.T) {
	for name, mutate := range map[string]func(*Settings){
		"line":    func(s *Settings) { s.Line = "25.15" },
		"numProc": func(s *Settings) { s.NumProc = 0 },
		"volumes": func(s *Settings) { s.StorageProxy.Volumes = nil },
	} {
		s := prodSettings("26.8")
		mutate(&s)
		for file, render := range files {
			if _, err := render(s); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s with a bad %s: %v", file, name, err)
			}
		}
	}
}

func TestUnitsGolden(t *testing.T) {
	for _, s := range append(Services, AgentService, GatewayService(4000)) {
		for file, got := range map[string]string{
			"run-" + s.Name + ".sh": s.RunScript("/home/bai"),
			s.Unit():                s.UnitFile("/home/bai", Account{Name: "bai", UID: 1100, GID: 1100}),
		} {
			golden(t, filepath.Join("testdata", "units", file), got)
		}
	}
}

// golden compares got with a golden file; -update rewrites the file.
func golden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test ./internal/configs -update rewrites it):\n%s", file, got)
	}
}
