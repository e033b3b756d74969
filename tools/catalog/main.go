// Command catalog keeps internal/fixtures/catalog/<line>.json true to Backend.AI: for the
// release of each supported line (fixtures.Releases) it has the release's own `mgr schema
// oneshot` create the schema on a sandbox host (tests/catalog, cached under ~/.cache),
// then compares that schema's tables, columns and keys, and what the release's fixture
// loader does per column, with the file kept in the repository. Like generated code:
//
//	go run ./tools/catalog          fail if a kept file differs from the release
//	go run ./tools/catalog -write   rewrite the kept files
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/backendai-infra/backendai-infra/internal/fixtures"
	"github.com/backendai-infra/backendai-infra/tests/catalog"
)

func main() {
	write := flag.Bool("write", false, "rewrite internal/fixtures/catalog/<line>.json")
	flag.Parse()
	if err := run(*write); err != nil {
		fmt.Fprintln(os.Stderr, "catalog:", err)
		os.Exit(1)
	}
}

func run(write bool) error {
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	if err := catalog.Ensure(root, catalog.Versions()...); err != nil {
		return err
	}
	var stale []string
	for _, line := range slices.Sorted(slices.Values(fixtures.Lines)) {
		version := fixtures.Releases[line]
		want, err := lineCatalog(version)
		if err != nil {
			return fmt.Errorf("Backend.AI %s: %w", version, err)
		}
		path := filepath.Join(root, "internal", "fixtures", "catalog", line+".json")
		have, _ := os.ReadFile(path)
		if bytes.Equal(have, want) {
			continue
		}
		if write {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "catalog: wrote %s (Backend.AI %s)\n", path, version)
			continue
		}
		stale = append(stale, path)
	}
	if len(stale) > 0 {
		return fmt.Errorf("%v differ from the releases' schemas: go run ./tools/catalog -write", stale)
	}
	return nil
}

// lineCatalog is the kept file's text: the database's catalog and the loader's view.
func lineCatalog(version string) ([]byte, error) {
	var cat fixtures.Catalog
	for name, into := range map[string]any{"catalog.json": &cat, "loader.json": &cat.Loader} {
		text, err := catalog.Read(version, name)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(text), into); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	cat.Release = version
	out, err := json.MarshalIndent(cat, "", " ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}
