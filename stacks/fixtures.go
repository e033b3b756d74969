package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/backendai-infra/backendai-infra/components"
)

// readFixtures reads the stack's fixture files, relative to the project's root (where
// Pulumi.yaml is). Each becomes a resource named after its file.
func readFixtures(root string, paths []string) ([]components.FixtureFile, error) {
	out := make([]components.FixtureFile, 0, len(paths))
	seen := map[string]int{}
	for i, p := range paths {
		field := fmt.Sprintf("fixtures[%d]", i)
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		name := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
		if j, dup := seen[name]; dup {
			return nil, fmt.Errorf("%s: %s has the same name as fixtures[%d]; fixture files need distinct names", field, filepath.Base(p), j)
		}
		seen[name] = i
		out = append(out, components.FixtureFile{Name: name, Data: string(data)})
	}
	return out, nil
}
