// Package webui logs in to a deployed cluster's Web UI in a real browser: Debian's
// Chromium (tools/deps.sh installs it), driven by playwright-core from npm (login.mjs).
// Both run on this machine; the browser talks only to the sandbox's webserver.
package webui

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Result is what the browser reached once logged in.
type Result struct {
	URL, Title, Screenshot string
	// Agents is the dashboard's "Schedulable Agents" ("2 / 2").
	Agents  string
	Seconds float64
}

// Login opens url, logs in as email with password (given to the browser's process in
// its environment, never on a command line) and saves a screenshot of the dashboard to
// screenshot; on failure the screenshot shows where it stopped.
func Login(url, email, password, screenshot string) (Result, error) {
	dir, err := install()
	if err != nil {
		return Result{}, err
	}
	cmd := exec.Command("node", filepath.Join(dir, "login.mjs"), url, screenshot)
	cmd.Env = append(os.Environ(), "WEBUI_EMAIL="+email, "WEBUI_PASSWORD="+password)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		return Result{Screenshot: screenshot}, fmt.Errorf("the Web UI at %s: %w\n%s", url, err, stderr)
	}
	var r Result
	if err := json.Unmarshal(out, &r); err != nil {
		return Result{}, fmt.Errorf("login.mjs printed %q: %w", out, err)
	}
	return r, nil
}

// install puts login.mjs and playwright-core (the version package.json pins, from the
// npm registry npm is configured with) into a cache directory, once.
func install() (string, error) {
	_, here, _, _ := runtime.Caller(0)
	src := filepath.Dir(here)
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "backendai-infra", "webui")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	for _, f := range []string{"package.json", "login.mjs"} {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			return "", err
		}
	}
	if _, err := exec.LookPath("chromium"); err != nil {
		return "", fmt.Errorf("chromium is missing: apt-get install chromium (tools/deps.sh does)")
	}
	npm := exec.Command("npm", "install", "--no-package-lock", "--no-audit", "--no-fund", "--loglevel=error")
	npm.Dir = dir
	if out, err := npm.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm install playwright-core in %s: %w\n%s", dir, err, out)
	}
	return dir, nil
}
