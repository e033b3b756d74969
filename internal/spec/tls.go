package spec

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"path"
	"slices"
	"strings"
)

// TLS serves what users connect to over HTTPS: the webserver (the Web UI and its API)
// and the App Proxy's worker (the apps of sessions), advertised as https. The
// certificate is given as its text, its key as the secret config key tlsKey; or both
// are files already on the management node (renewed there by another tool).
type TLS struct {
	// Certificate is the certificate chain in PEM form, the server's certificate first.
	Certificate string `json:"certificate,omitempty" pulumi:"certificate,optional"`
	// CertificateFile and KeyFile are the chain's and the key's files on the management
	// node, instead.
	CertificateFile string `json:"certificateFile,omitempty" pulumi:"certificateFile,optional"`
	KeyFile         string `json:"keyFile,omitempty" pulumi:"keyFile,optional"`
	// CA is a private CA's certificate (PEM) that signed the certificate: the management
	// node trusts it, since the manager and the App Proxy's worker reach the
	// coordinator over HTTPS. A certificate of a public CA needs none.
	CA string `json:"ca,omitempty" pulumi:"ca,optional"`
}

// HTTPS says whether users connect over HTTPS.
func (s Services) HTTPS() bool {
	return s.TLS != nil && (s.TLS.Certificate != "" || s.TLS.CertificateFile != "")
}

// validateTLS checks services.tls and the key that goes with its certificate; key is
// the secret tlsKey, checked here unless the secrets come apart (CheckTLSKey then).
func (c Cluster) validateTLS(bad func(field, format string, args ...any)) {
	t, key := c.Services.TLS, c.Secrets.TLSKey
	if t == nil || (t.Certificate == "" && t.CertificateFile == "" && t.KeyFile == "") {
		if key != "" {
			bad("tlsKey", "a key without services.tls.certificate: give the certificate it belongs to")
		}
		return
	}
	if t.CA != "" {
		if _, err := certificates(t.CA); err != nil {
			bad("services.tls.ca", "%v", err)
		}
	}
	switch {
	case t.Certificate != "" && (t.CertificateFile != "" || t.KeyFile != ""):
		bad("services.tls", "give the certificate as its text (with the secret tlsKey) or as files on the node (certificateFile and keyFile), not both")
	case t.Certificate != "":
		if chain, err := certificates(t.Certificate); err != nil {
			bad("services.tls.certificate", "%v", err)
		} else if leaf := chain[0]; len(leaf.AuthorityKeyId) == 0 && leaf.CheckSignatureFrom(leaf) != nil {
			// Python 3.13 verifies strictly (VERIFY_X509_STRICT): the manager's and the App
			// Proxy worker's calls to the coordinator would fail on it.
			bad("services.tls.certificate", "has no authority key identifier, which Python 3.13's certificate verification requires of a certificate a CA signed (the manager and the App Proxy's worker reach the coordinator with it); have it issued with one")
		} else if addr := c.Manager().Address; addr != "" && chain[0].VerifyHostname(addr) != nil {
			bad("services.tls.certificate", "is for %v, not for %s, the management node's address users reach the Web UI and the apps at (add it to the certificate's subjectAltName)",
				append(slices.Clone(chain[0].DNSNames), ipStrings(chain[0].IPAddresses)...), addr)
		}
		if !c.secretsApart {
			if err := CheckTLSKey(t.Certificate, key); err != nil {
				_, msg, _ := strings.Cut(err.Error(), ": ")
				bad("tlsKey", "%s", msg)
			}
		}
	default:
		for field, file := range map[string]string{"services.tls.certificateFile": t.CertificateFile, "services.tls.keyFile": t.KeyFile} {
			if file == "" || !path.IsAbs(file) || path.Clean(file) != file {
				bad(field, "%q is not an absolute path of a file on the management node (give certificateFile and keyFile both)", file)
			}
		}
		if key != "" {
			bad("tlsKey", "the key is services.tls.keyFile on the node; give one or the other")
		}
	}
}

// CheckTLSKey says what is wrong with key, the private key of certificate (both PEM),
// naming tlsKey and never showing the key.
func CheckTLSKey(certificate, key string) error {
	if key == "" {
		return errors.New("tlsKey: is required with services.tls.certificate: its private key (PEM)")
	}
	if _, err := tls.X509KeyPair([]byte(certificate), []byte(key)); err != nil {
		return errors.New("tlsKey: is not the private key of services.tls.certificate (PEM, unencrypted)")
	}
	return nil
}

func ipStrings(ips []net.IP) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.String()
	}
	return out
}

// certificates are the certificates of a PEM chain.
func certificates(chain string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := []byte(chain)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("holds a %s block: only the certificate chain goes here (the key is the secret tlsKey)", block.Type)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("is not a certificate: %v", err)
		}
		out = append(out, cert)
	}
	if len(out) == 0 {
		return nil, errors.New("holds no certificate in PEM form (-----BEGIN CERTIFICATE-----)")
	}
	return out, nil
}
