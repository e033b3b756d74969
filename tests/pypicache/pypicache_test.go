//go:build integration

package pypicache

import (
	"io"
	"net/http"
	"regexp"
	"sync"
	"testing"
)

// TestConcurrentFirstDownloads asks a fresh cache for one file from several clients at
// once, as agents installing the same release do: every client gets the file from the
// cache, none a redirect to the upstream (which a sandbox host cannot reach).
func TestConcurrentFirstDownloads(t *testing.T) {
	c, err := StartWith(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	req, _ := http.NewRequest(http.MethodGet, URL(c.Addr)+"six/", nil)
	req.Header.Set("Accept", "text/html")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`href="(six-1\.16\.0-py2\.py3-none-any\.whl)`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("the index page of six has no six 1.16.0 wheel:\n%.2000s", page)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := client.Get(URL(c.Addr) + "six/" + string(m[1]))
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, r.Body)
			r.Body.Close()
			codes[i] = r.StatusCode
		}()
	}
	wg.Wait()
	for i, code := range codes {
		if code != http.StatusOK {
			t.Errorf("client %d: HTTP %d, want the file from the cache", i, code)
		}
	}
}
