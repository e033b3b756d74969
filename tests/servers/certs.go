package servers

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
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
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "backendai-infra test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leaf := func(serial int64, name string, usage x509.ExtKeyUsage, ip bool) (string, string) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		}
		if ip {
			tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
			tmpl.DNSNames = []string{"localhost"}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, _ := x509.MarshalECPrivateKey(key)
		return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
			string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	}
	c := &Certs{Dir: t.TempDir(), CA: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}))}
	c.ServerCert, c.ServerKey = leaf(2, "127.0.0.1", x509.ExtKeyUsageServerAuth, true)
	c.ClientCert, c.ClientKey = leaf(3, clientName, x509.ExtKeyUsageClientAuth, false)
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
