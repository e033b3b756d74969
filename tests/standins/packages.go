package standins

import (
	_ "embed"
	"fmt"
	"strings"
)

// The stand-in Backend.AI modules (python/*.py) and schema (schema/): what the stand-in
// wheels install in place of Backend.AI's, which cannot be downloaded here.
var (
	//go:embed python/backendai_cli.py
	pyCLI string
	//go:embed python/alembic_main.py
	pyAlembic string
	//go:embed python/standin_db.py
	pyDB string
	//go:embed python/server.py
	pyServer string
	//go:embed schema/backendai-26.8.sql
	schema26_8 string
)

// Schema is the stand-in Backend.AI schema of a release line ("26.4" or "26.8"): the
// tables and columns the fixtures touch, as Backend.AI's models define them.
func Schema(line string) (string, error) {
	switch line {
	case "26.8":
		return schema26_8, nil
	case "26.4":
		return schema26_8 + "\nALTER TABLE scaling_groups DROP COLUMN is_default;\n", nil
	}
	return "", fmt.Errorf("no stand-in schema for Backend.AI %s", line)
}

// Packages builds stand-in wheels of backend.ai-manager, backend.ai-storage-proxy and
// backend.ai-webserver at a version. Each service's server module only reports how it
// was started; the manager's wheel also brings the `backend.ai mgr` schema, RPC keypair
// and image rescan commands and `python -m alembic` (python/), with the stand-in
// schema of the version's line.
func Packages(version string) ([]Wheel, error) {
	line := version
	if i := strings.LastIndex(version, "."); i > 0 {
		line = version[:i]
	}
	schema, err := Schema(line)
	if err != nil {
		return nil, err
	}
	pkg := func(dirs ...string) map[string]string {
		files := map[string]string{"ai/__init__.py": "", "ai/backend/__init__.py": ""}
		for _, d := range dirs {
			files[d+"/__init__.py"] = ""
		}
		return files
	}
	manager := pkg("ai/backend/manager", "ai/backend/cli", "alembic")
	manager["ai/backend/manager/server.py"] = pyServer
	manager["ai/backend/manager/standin_db.py"] = pyDB
	manager["ai/backend/manager/standin_schema.sql"] = schema
	manager["ai/backend/cli/__main__.py"] = pyCLI
	manager["alembic/__main__.py"] = pyAlembic
	manager[".dist-info/entry_points.txt"] = "[console_scripts]\nbackend.ai = ai.backend.cli.__main__:main\n"
	storage := pkg("ai/backend/storage")
	storage["ai/backend/storage/server.py"] = pyServer
	web := pkg("ai/backend/web")
	web["ai/backend/web/server.py"] = pyServer

	var out []Wheel
	for _, p := range []struct {
		project string
		files   map[string]string
	}{{"backend.ai-manager", manager}, {"backend.ai-storage-proxy", storage}, {"backend.ai-webserver", web}} {
		w, err := BuildWheel(p.project, version, p.files)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}
