package servers

import (
	_ "embed"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The stand-in Backend.AI modules (standin/*.py): what the tests' wheels install in
// place of Backend.AI's, which cannot be downloaded here.
var (
	//go:embed standin/backendai_cli.py
	standinCLI string
	//go:embed standin/alembic_main.py
	standinAlembic string
	//go:embed standin/standin_db.py
	standinDB string
	//go:embed standin/server.py
	standinServer string
)

// Wheel is one stand-in wheel.
type Wheel struct {
	Project, File string
	Data          []byte
}

// StandInPackages builds stand-in wheels of backend.ai-manager, backend.ai-storage-proxy
// and backend.ai-webserver at a version. Each service's server module only reports how
// it was started; the manager's wheel also brings the `backend.ai` command's schema,
// RPC keypair and image rescan commands and `python -m alembic` (see standin/), with
// the stand-in schema of the version's line.
func StandInPackages(t testing.TB, version string) []Wheel {
	t.Helper()
	line := version[:strings.LastIndex(version, ".")]
	pkg := func(dirs ...string) map[string]string {
		files := map[string]string{"ai/__init__.py": "", "ai/backend/__init__.py": ""}
		for _, d := range dirs {
			files[d+"/__init__.py"] = ""
		}
		return files
	}
	manager := pkg("ai/backend/manager", "ai/backend/cli", "alembic")
	manager["ai/backend/manager/server.py"] = standinServer
	manager["ai/backend/manager/standin_db.py"] = standinDB
	manager["ai/backend/manager/standin_schema.sql"] = Schema(t, line)
	manager["ai/backend/cli/__main__.py"] = standinCLI
	manager["alembic/__main__.py"] = standinAlembic
	manager[".dist-info/entry_points.txt"] = "[console_scripts]\nbackend.ai = ai.backend.cli.__main__:main\n"
	storage := pkg("ai/backend/storage")
	storage["ai/backend/storage/server.py"] = standinServer
	web := pkg("ai/backend/web")
	web["ai/backend/web/server.py"] = standinServer

	var out []Wheel
	for project, files := range map[string]map[string]string{
		"backend.ai-manager": manager, "backend.ai-storage-proxy": storage, "backend.ai-webserver": web,
	} {
		file, data := StandInWheel(t, project, version, files)
		out = append(out, Wheel{Project: project, File: file, Data: data})
	}
	return out
}

// ServeIndex serves wheels as a PEP 503 package index on a loopback port, for the
// test's lifetime, and returns the index's address (host:port; the index is at /simple/).
func ServeIndex(t testing.TB, wheels []Wheel) string {
	t.Helper()
	mux := http.NewServeMux()
	for _, w := range wheels {
		// PEP 503's normalized name: lower case, runs of -_. as one '-'.
		dir := "/simple/" + strings.NewReplacer(".", "-", "_", "-").Replace(strings.ToLower(w.Project)) + "/"
		page := SimpleIndexPage(w.File)
		mux.HandleFunc(dir, func(rw http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case dir:
				fmt.Fprint(rw, page)
			case dir + w.File:
				rw.Header().Set("Content-Type", "application/octet-stream")
				rw.Write(w.Data)
			default:
				http.NotFound(rw, r)
			}
		})
	}
	srv := httptest.NewServer(mux) // on 127.0.0.1
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}
