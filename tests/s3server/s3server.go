// Package s3server runs a real S3 server on this machine's loopback for the tests that
// keep Pulumi's state in a bucket: SeaweedFS (`weed mini`: master, volume server, filer
// and S3 gateway in one process), built from its own Go module once and cached.
package s3server

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/backendai-infra/backendai-infra/tests/daemon"
	"github.com/backendai-infra/backendai-infra/tests/pypicache"
)

// version is the SeaweedFS release built: its Go module's version (Apache-2.0).
const (
	version = "v0.0.0-20261109003541-7506e5f91cd6"
	module  = "github.com/seaweedfs/seaweedfs@" + version
)

// Bucket is the bucket the server makes at its start.
const Bucket = "pulumi-state"

// Server is a running S3 server with one bucket and one identity.
type Server struct {
	// BackendURL is the state's address for `pulumi login`.
	BackendURL string
	// Env is what a Pulumi command needs to reach it: the backend and the identity's keys.
	Env []string
}

// Start builds SeaweedFS if it is not cached, and runs it for the test: every port on
// 127.0.0.1, its data in the test's directory, an identity with fresh keys. It is
// stopped when the test ends.
func Start(t testing.TB) Server {
	t.Helper()
	weed, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	access, secret := "backendai-infra-"+token(4), token(16)
	cfg := map[string]any{"identities": []map[string]any{{
		"name":        "pulumi",
		"credentials": []map[string]string{{"accessKey": access, "secretKey": secret}},
		"actions":     []string{"Admin", "Read", "Write", "List", "Tagging"},
	}}}
	raw, _ := json.Marshal(cfg)
	if err := os.WriteFile(filepath.Join(dir, "s3.json"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	// Each server listens on its port and on port+10000 (gRPC).
	ports := freePorts(t, 6)
	s3 := ports[0]
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(weed, "mini", "-dir="+data, "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-bucket="+Bucket,
		"-s3.config="+filepath.Join(dir, "s3.json"), "-s3.port="+strconv.Itoa(s3),
		"-master.port="+strconv.Itoa(ports[1]), "-volume.port="+strconv.Itoa(ports[2]),
		"-filer.port="+strconv.Itoa(ports[3]), "-admin.port="+strconv.Itoa(ports[4]),
		"-webdav.port="+strconv.Itoa(ports[5]), "-admin.ui=false", "-admin.port.legacy=0",
		"-s3.port.iceberg=0", "-s3.port.lance=0")
	cmd.Dir = dir
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", s3)
	d, err := daemon.Start("SeaweedFS", cmd, filepath.Join(dir, "weed.log"), 2*time.Minute, bucketReady(endpoint))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Stop)
	url := fmt.Sprintf("s3://%s?endpoint=%s&use_path_style=true&region=us-east-1", Bucket, endpoint)
	return Server{BackendURL: url, Env: []string{
		"PULUMI_BACKEND_URL=" + url, "AWS_ACCESS_KEY_ID=" + access, "AWS_SECRET_ACCESS_KEY=" + secret,
		"AWS_REGION=us-east-1",
		// SeaweedFS sends no checksums the SDK would validate; without this it warns on
		// every read.
		"AWS_RESPONSE_CHECKSUM_VALIDATION=when_required",
	}}
}

// bucketReady: the S3 gateway answers for the bucket, which refuses an anonymous
// listing (403) once it exists, and says NoSuchBucket (404) before.
func bucketReady(endpoint string) func() bool {
	client := &http.Client{Timeout: 2 * time.Second}
	return func() bool {
		resp, err := client.Get(endpoint + "/" + Bucket)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusOK
	}
}

// binary is the cached weed, built from its module's source (its own go.mod and
// go.sum, which `go install module@version` refuses for their replace directive).
func binary() (string, error) {
	cache, err := pypicache.Dir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "seaweedfs-"+version)
	weed := filepath.Join(dir, "weed")
	if _, err := os.Stat(weed); err == nil {
		return weed, nil
	}
	download := exec.Command("go", "mod", "download", "-json", module)
	download.Dir = os.TempDir() // outside this repository's module
	out, err := download.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", module, err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		return "", fmt.Errorf("go mod download %s printed %q: %v", module, out, err)
	}
	src, err := os.MkdirTemp("", "seaweedfs-src-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(src)
	if out, err := exec.Command("cp", "-r", mod.Dir+"/.", src).CombinedOutput(); err != nil {
		return "", fmt.Errorf("copying %s: %w\n%s", mod.Dir, err, out)
	}
	if out, err := exec.Command("chmod", "-R", "u+w", src).CombinedOutput(); err != nil {
		return "", fmt.Errorf("chmod %s: %w\n%s", src, err, out)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	build := exec.Command("go", "build", "-o", weed+".tmp", "./weed")
	build.Dir = src
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building SeaweedFS's weed: %w\n%s", err, out)
	}
	return weed, os.Rename(weed+".tmp", weed)
}

// freePorts are n free ports on 127.0.0.1 whose port+10000 is free too.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	for tries := 0; len(ports) < n && tries < 200; tries++ {
		addr, err := daemon.FreeAddr()
		if err != nil {
			t.Fatal(err)
		}
		_, p, _ := net.SplitHostPort(addr)
		port, _ := strconv.Atoi(p)
		if port+10000 > 65535 || !free(port+10000) || slices.Contains(ports, port) || slices.Contains(ports, port+10000) ||
			slices.Contains(ports, port-10000) {
			continue
		}
		ports = append(ports, port)
	}
	if len(ports) < n {
		t.Fatalf("no %d free port pairs on 127.0.0.1", n)
	}
	return ports
}

func free(port int) bool {
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

func token(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
