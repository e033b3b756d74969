package standins

import (
	"fmt"
	"net"
	"net/http"
	"strings"
)

// Index is a PEP 503 package index on a loopback port.
type Index struct {
	Addr string // 127.0.0.1:port; the index is at /simple/
	srv  *http.Server
}

// ServeIndex serves the wheels until Close.
func ServeIndex(wheels []Wheel) (*Index, error) {
	mux := http.NewServeMux()
	for _, w := range wheels {
		// PEP 503's normalized name: lower case, '.' and '_' as '-'.
		dir := "/simple/" + strings.NewReplacer(".", "-", "_", "-").Replace(strings.ToLower(w.Project)) + "/"
		page := SimpleIndexPage(w.File)
		mux.HandleFunc(dir, func(rw http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case dir:
				fmt.Fprint(rw, page)
			case dir + w.File:
				rw.Header().Set("Content-Type", "application/octet-stream")
				_, _ = rw.Write(w.Data)
			default:
				http.NotFound(rw, r)
			}
		})
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("package index: %w", err)
	}
	ix := &Index{Addr: l.Addr().String(), srv: &http.Server{Handler: mux}}
	go func() { _ = ix.srv.Serve(l) }()
	return ix, nil
}

// Close stops the index.
func (ix *Index) Close() error { return ix.srv.Close() }
