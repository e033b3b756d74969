// Package webui uses a deployed cluster's Web UI in a real browser: Debian's Chromium
// (tools/deps.sh installs it), driven by playwright-core from npm (login.mjs, apps.mjs).
// Both run on this machine; the browser talks only to the sandbox's webserver and the App
// Proxy's worker.
package webui

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Browser is the Web UI at URL, used as the user with Email and Password (given to the
// browser's process in its environment, never on a command line). CA, when set, is the
// PEM certificate of the CA the browser trusts (in a certificate store of its own).
type Browser struct {
	URL, Email, Password, CA string
}

// Dashboard is what the browser reached once logged in.
type Dashboard struct {
	URL, Title, Screenshot string
	// Agents is the dashboard's "Schedulable Agents" ("2 / 2").
	Agents  string
	Seconds float64
}

// Login logs in and saves a screenshot of the dashboard to screenshot; on failure the
// screenshot shows where it stopped.
func (b Browser) Login(screenshot string) (Dashboard, error) {
	var d Dashboard
	err := b.run(&d, "login.mjs", b.URL, screenshot)
	return d, err
}

// Apps is what a user reached in a session's apps.
type Apps struct {
	Session string
	// Apps are the pages each app's window showed, by the app's name (jupyter, ttyd).
	Apps map[string]struct{ URL, Title string }
	// Screenshots are the session launcher, the running session and each app's page.
	Screenshots []string
	Seconds     float64
}

// Apps logs in, starts the interactive session named session from the Web UI's session
// launcher, opens its Jupyter Notebook and its Console from the app launcher, and
// terminates it; the screenshots go to dir (failure.png where it stopped).
func (b Browser) Apps(session, dir string) (Apps, error) {
	var a Apps
	err := b.run(&a, "apps.mjs", b.URL, session, dir)
	return a, err
}

// run runs script with args in the browser and reads the JSON it prints into result.
func (b Browser) run(result any, script string, args ...string) error {
	dir, err := install()
	if err != nil {
		return err
	}
	cmd := exec.Command("node", append([]string{filepath.Join(dir, script)}, args...)...)
	cmd.Env = append(os.Environ(), "WEBUI_EMAIL="+b.Email, "WEBUI_PASSWORD="+b.Password)
	if b.CA != "" {
		home, err := trustingHome(b.CA)
		if err != nil {
			return err
		}
		defer os.RemoveAll(home)
		cmd.Env = append(cmd.Env, "HOME="+home)
	}
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		return fmt.Errorf("the Web UI at %s (%s): %w\n%s", b.URL, script, err, stderr)
	}
	if err := json.Unmarshal(out, result); err != nil {
		return fmt.Errorf("%s printed %q: %w", script, out, err)
	}
	return nil
}

// trustingHome is a new home directory whose NSS certificate store, where Chromium on
// Linux reads the CAs a user added, trusts ca for servers; the machine's own stores are
// left alone.
func trustingHome(ca string) (string, error) {
	home, err := os.MkdirTemp("", "webui-home-")
	if err != nil {
		return "", err
	}
	db := "sql:" + filepath.Join(home, ".pki", "nssdb")
	caFile := filepath.Join(home, "ca.pem")
	if err := os.MkdirAll(filepath.Join(home, ".pki", "nssdb"), 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(caFile, []byte(ca), 0o600); err != nil {
		return "", err
	}
	for _, args := range [][]string{
		{"-N", "-d", db, "--empty-password"},
		{"-A", "-d", db, "-n", "backendai-infra test CA", "-t", "C,,", "-a", "-i", caFile},
	} {
		if out, err := exec.Command("certutil", args...).CombinedOutput(); err != nil {
			os.RemoveAll(home)
			return "", fmt.Errorf("certutil %v (libnss3-tools; tools/deps.sh installs it): %w\n%s", args[0], err, out)
		}
	}
	return home, nil
}

// install puts the scripts and playwright-core (the version package.json pins, from the
// npm registry npm is configured with) into a cache directory.
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
	for _, f := range []string{"package.json", "browser.mjs", "login.mjs", "apps.mjs"} {
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
