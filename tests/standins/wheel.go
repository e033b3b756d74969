package standins

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
)

// Wheel is a built wheel: its project, file name and bytes.
type Wheel struct {
	Project, File string
	Data          []byte
}

// BuildWheel builds a wheel named as a Backend.AI package (say backend.ai-webserver
// 26.8.1) whose modules are the given files: a stand-in for the real wheel, which cannot
// be downloaded here (PyPI is not reachable). A file named ".dist-info/NAME" goes into
// the wheel's metadata directory (entry_points.txt, say).
func BuildWheel(project, version string, files map[string]string) (Wheel, error) {
	dist := strings.NewReplacer("-", "_", ".", "_").Replace(project)
	info := fmt.Sprintf("%s-%s.dist-info", dist, version)
	all := map[string]string{}
	for k, v := range files {
		if rest, ok := strings.CutPrefix(k, ".dist-info/"); ok {
			k = info + "/" + rest
		}
		all[k] = v
	}
	all[info+"/METADATA"] = fmt.Sprintf("Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: A stand-in for %s in backendai-infra's tests\n", project, version, project)
	all[info+"/WHEEL"] = "Wheel-Version: 1.0\nGenerator: backendai-infra\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
	names := make([]string, 0, len(all)+1)
	for k := range all {
		names = append(names, k)
	}
	sort.Strings(names)
	var record strings.Builder
	for _, name := range names {
		sum := sha256.Sum256([]byte(all[name]))
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", name, base64.RawURLEncoding.EncodeToString(sum[:]), len(all[name]))
	}
	fmt.Fprintf(&record, "%s/RECORD,,\n", info)
	all[info+"/RECORD"] = record.String()
	names = append(names, info+"/RECORD")

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range names {
		w, err := zw.Create(name)
		if err != nil {
			return Wheel{}, fmt.Errorf("wheel %s: %w", project, err)
		}
		if _, err := w.Write([]byte(all[name])); err != nil {
			return Wheel{}, fmt.Errorf("wheel %s: %w", project, err)
		}
	}
	if err := zw.Close(); err != nil {
		return Wheel{}, fmt.Errorf("wheel %s: %w", project, err)
	}
	return Wheel{Project: project, File: fmt.Sprintf("%s-%s-py3-none-any.whl", dist, version), Data: buf.Bytes()}, nil
}

// SimpleIndexPage is the PEP 503 page of one project listing its wheel.
func SimpleIndexPage(wheel string) string {
	return fmt.Sprintf("<!DOCTYPE html>\n<html><body>\n<a href=\"%s\">%s</a>\n</body></html>\n", wheel, wheel)
}
