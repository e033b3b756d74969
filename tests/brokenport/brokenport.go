// Package brokenport starts listeners on loopback that stand for SSH ports broken the
// ways real hosts break: silent, speaking another protocol, closed.
package brokenport

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Serve listens on loopback and hands each connection to serve; the listener and
// every connection are closed when the test ends.
func Serve(t testing.TB, serve func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go serve(c)
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String()
}

// Silent accepts connections and never writes to them (a black-holed or wedged host).
func Silent(t testing.TB) string { return Serve(t, func(net.Conn) {}) }

// HTTP is an HTTP server where SSH was expected.
func HTTP(t testing.TB) string {
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// Closed is a loopback port that nothing listens on.
func Closed(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}
