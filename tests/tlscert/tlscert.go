// Package tlscert makes throwaway certificate authorities and the certificates they
// sign, for tests that serve or present TLS: the CA is what the test trusts.
package tlscert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"testing"
	"time"
)

// CA is a throwaway certificate authority, valid for a day.
type CA struct {
	// PEM is its certificate in PEM form.
	PEM    string
	cert   *x509.Certificate
	key    *ecdsa.PrivateKey
	serial int64
}

// NewCA makes a CA.
func NewCA(t testing.TB) *CA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "backendai-infra test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	// The CA as created, its subject key id set: what it signs names it as its authority
	// key id, which Python 3.13's strict verification requires.
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &CA{PEM: pemOf("CERTIFICATE", der), cert: cert, key: key, serial: 1}
}

// Issue signs a certificate for name with usage (a server's or a client's), valid for
// the IP addresses and host names given; it returns the certificate and its private key
// (PKCS #8), in PEM form.
func (ca *CA) Issue(t testing.TB, name string, usage x509.ExtKeyUsage, hosts ...string) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca.serial++
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(ca.serial), Subject: pkix.Name{CommonName: name},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &k.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pemOf("CERTIFICATE", der), pemOf("PRIVATE KEY", keyDER)
}

// Certs are a CA's certificate, and a server certificate's chain (the server's, then the
// CA's) and private key, each in PEM form.
type Certs struct{ CA, Chain, Key string }

// New is a fresh CA and a server certificate it signs for the IP addresses.
func New(t testing.TB, ips ...string) Certs {
	t.Helper()
	ca := NewCA(t)
	cert, key := ca.Issue(t, ips[0], x509.ExtKeyUsageServerAuth, ips...)
	return Certs{CA: ca.PEM, Chain: cert + ca.PEM, Key: key}
}

func pemOf(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}
