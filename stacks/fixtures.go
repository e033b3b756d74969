package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/backendai-infra/backendai-infra/components"
	"github.com/backendai-infra/backendai-infra/internal/fixtures"
)

// readFixtures reads the stack's fixture files, relative to the project's root (where
// Pulumi.yaml is), and checks them (components.CheckFixtures) before any resource is
// registered. Each becomes a resource named after its file; messages name the file
// ("fixtures[i] (path)") and the position, never a value.
func readFixtures(root, line string, paths []string, grants fixtures.Grants) ([]components.FixtureFile, error) {
	files := make([]components.FixtureFile, 0, len(paths))
	var errs []error
	for i, p := range paths {
		full := p
		if !filepath.IsAbs(full) {
			full = filepath.Join(root, full)
		}
		data, err := os.ReadFile(full)
		if err != nil {
			errs = append(errs, fmt.Errorf("fixtures[%d]: %w", i, err))
			continue
		}
		files = append(files, components.FixtureFile{Name: strings.TrimSuffix(filepath.Base(full), filepath.Ext(full)),
			Source: fmt.Sprintf("fixtures[%d] (%s)", i, p), Data: string(data)})
	}
	checked, err := components.CheckFixtures(line, files, grants)
	return checked, errors.Join(append(errs, err)...)
}
