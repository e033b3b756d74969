// Package sdkfiles keeps a directory of generated files exactly as generated: the SDK
// generators (tools/pulumi/sdkgen, tools/dotnetgen) write through it, and CI checks
// through it that nothing differs. It has no dependencies, so that both generators'
// modules can share it without sharing their Pulumi versions.
package sdkfiles

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// Sync makes dir hold exactly files (names relative to dir); with check it changes
// nothing and returns where dir differs: a file that differs from the generated one, a
// file the generator does not write.
func Sync(dir string, files map[string][]byte, check bool) ([]string, error) {
	var differ []string
	names := map[string]bool{}
	for name, want := range files {
		names[filepath.Clean(name)] = true
		path := filepath.Join(dir, name)
		got, err := os.ReadFile(path)
		if err == nil && bytes.Equal(got, want) {
			continue
		}
		if check {
			differ = append(differ, path+": differs from the generated file")
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, want, 0o644); err != nil {
			return nil, err
		}
	}
	var dirs []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return fs.SkipDir
		}
		if err != nil {
			return err
		}
		if d.IsDir() {
			dirs = append(dirs, path)
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil || names[rel] {
			return err
		}
		if check {
			differ = append(differ, path+": not generated")
			return nil
		}
		return os.Remove(path)
	})
	if err != nil || check {
		return differ, err
	}
	// The directories a removed file leaves empty.
	for i := len(dirs) - 1; i >= 0; i-- {
		if entries, err := os.ReadDir(dirs[i]); err == nil && len(entries) == 0 {
			_ = os.Remove(dirs[i])
		}
	}
	return nil, nil
}
