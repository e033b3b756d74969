package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/backendai-infra/backendai-infra/components"
	"github.com/backendai-infra/backendai-infra/infra/fixtures"
)

// readFixtures reads and checks the stack's fixture files, relative to the project's
// root (where Pulumi.yaml is), before any resource is registered: each parses and
// fits the release line's tables, and no two files declare the same row (their
// resources would undo each other on every up). Each becomes a resource named after
// its file. Messages name the file and the position, never a value. The domains and
// groups they declare get the cluster's vfolder hosts, the domains its registries
// (fixtures.Grant).
func readFixtures(root, line string, paths []string, grants fixtures.Grants) ([]components.FixtureFile, error) {
	out := make([]components.FixtureFile, 0, len(paths))
	names := map[string]int{}
	rows := map[string]string{} // row id -> the file that declares it
	var errs []error
	for i, p := range paths {
		source := fmt.Sprintf("fixtures[%d] (%s)", i, p)
		full := p
		if !filepath.IsAbs(full) {
			full = filepath.Join(root, full)
		}
		data, err := os.ReadFile(full)
		if err != nil {
			errs = append(errs, fmt.Errorf("fixtures[%d]: %w", i, err))
			continue
		}
		name := strings.TrimSuffix(filepath.Base(full), filepath.Ext(full))
		if j, dup := names[name]; dup {
			errs = append(errs, fmt.Errorf("fixtures[%d]: %s has the same name as fixtures[%d]; fixture files need distinct names", i, filepath.Base(full), j))
			continue
		}
		names[name] = i
		f, err := fixtures.Parse(source, string(data), line)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, t := range f.Tables {
			for _, r := range t.Rows {
				if other, dup := rows[r.ID]; dup {
					errs = append(errs, fmt.Errorf("%s: %s declares the row %s, which %s declares too; give each row one file", source, r.Path, r.ID, other))
					continue
				}
				rows[r.ID] = source
			}
		}
		granted, changed, err := fixtures.Grant(string(data), grants)
		if err == nil && changed {
			_, err = fixtures.Parse(source, granted, line)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", source, err))
			continue
		}
		out = append(out, components.FixtureFile{Name: name, Source: source, Data: granted})
	}
	return out, errors.Join(errs...)
}

// adminKeypair is the keypair the verification logs in with: the first active admin
// keypair the fixtures insert. Without one, a stack that verifies is refused, naming
// what it needs.
func adminKeypair(files []components.FixtureFile, line string) (access, secret string, err error) {
	for _, f := range files {
		parsed, err := fixtures.Parse(f.Source, f.Data, line)
		if err != nil || parsed.Update {
			continue // checked by readFixtures; an update inserts no keypair
		}
		for _, t := range parsed.Tables {
			if t.Name != "keypairs" {
				continue
			}
			for _, r := range t.Rows {
				access, _ := r.Values["access_key"].(string)
				secret, _ := r.Values["secret_key"].(string)
				if r.Values["is_admin"] == true && r.Values["is_active"] != false && access != "" && secret != "" {
					return access, secret, nil
				}
			}
		}
	}
	return "", "", errors.New("verify: the verification logs in as an admin, but no fixture inserts an active admin keypair (a keypairs row with is_admin: true); add one to fixtures, or turn the check off with verify.enabled: false")
}
