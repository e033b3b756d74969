package servers

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"

	"github.com/backendai-infra/backendai-infra/tests/tlscert"
)

// Certs is a throwaway CA with a server certificate for 127.0.0.1 and a client
// certificate, as PEM text and as files in Dir.
type Certs struct {
	Dir                           string
	CA, ServerCert, ServerKey     string
	ClientCert, ClientKey         string
	CAFile, ServerFile, KeyFile   string
	ClientCertFile, ClientKeyFile string
}

// NewCerts makes a CA and signs a server and a client certificate with it.
func NewCerts(t testing.TB, clientName string) *Certs {
	t.Helper()
	ca := tlscert.NewCA(t)
	c := &Certs{Dir: t.TempDir(), CA: ca.PEM}
	c.ServerCert, c.ServerKey = ca.Issue(t, "127.0.0.1", x509.ExtKeyUsageServerAuth, "127.0.0.1", "localhost")
	c.ClientCert, c.ClientKey = ca.Issue(t, clientName, x509.ExtKeyUsageClientAuth)
	write := func(name, text string) string {
		path := filepath.Join(c.Dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	c.CAFile, c.ServerFile, c.KeyFile = write("ca.pem", c.CA), write("server.pem", c.ServerCert), write("server-key.pem", c.ServerKey)
	c.ClientCertFile, c.ClientKeyFile = write("client.pem", c.ClientCert), write("client-key.pem", c.ClientKey)
	return c
}
