//go:build integration

package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-go-provider/infer"

	"github.com/backendai-infra/backendai-infra/tests/servers"
)

// TestTLS connects to etcd (which also requires a client certificate) and PostgreSQL
// over TLS, and refuses servers whose certificate another CA signed.
func TestTLS(t *testing.T) {
	certs := servers.NewCerts(t, "root")
	other := servers.NewCerts(t, "root")
	etcd := servers.StartEtcd(t, certs)
	pg := servers.StartPostgres(t, certs)
	pg.CreateBackendAIDatabase(t, "backend", "26.8")
	ctx := context.Background()

	etcdArgs := func(tls *TLS) KeyTreeArgs {
		timeout := 3
		return KeyTreeArgs{Connection: EtcdConnection{Endpoints: []string{"https://" + etcd.Endpoint}, TLS: tls, Timeout: &timeout},
			Namespace: "local", Value: map[string]any{"a": "b"}}
	}
	pw, port, timeout := pg.Password, pg.Port, 3
	dbArgs := func(tls *TLS) FixtureArgs {
		return FixtureArgs{Connection: DBConnection{Host: "127.0.0.1", Port: &port, User: "postgres", Password: &pw, Database: "backend", TLS: tls, Timeout: &timeout},
			BackendAIVersion: "26.8.1", Data: `{"domains": [{"name": "tls"}]}`}
	}
	tests := []struct {
		name     string
		etcd     *TLS
		db       *TLS
		wantEtcd string
		wantDB   string
	}{
		{"the right CA and a client certificate", &TLS{CACert: &certs.CA, Cert: &certs.ClientCert, Key: &certs.ClientKey}, &TLS{CACert: &certs.CA}, "", ""},
		{"another CA", &TLS{CACert: &other.CA, Cert: &other.ClientCert, Key: &other.ClientKey}, &TLS{CACert: &other.CA}, "TLS handshake failed: tls: failed to verify certificate: x509: certificate signed by unknown authority", "certificate signed by unknown authority"},
		{"no client certificate", &TLS{CACert: &certs.CA}, nil, "TLS handshake failed: remote error: tls: bad certificate", ""},
		{"a certificate without its key", &TLS{CACert: &certs.CA, Cert: &certs.ClientCert}, nil, "tls: cert and key go together", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := (&KeyTree{}).Create(ctx, infer.CreateRequest[KeyTreeArgs]{Name: "x", Inputs: etcdArgs(tt.etcd)})
			check(t, "etcd", err, tt.wantEtcd)
			if tt.db != nil || tt.wantDB != "" {
				_, err = (&Fixture{}).Create(ctx, infer.CreateRequest[FixtureArgs]{Name: "x", Inputs: dbArgs(tt.db)})
				check(t, "postgresql", err, tt.wantDB)
			}
		})
	}
}

func check(t *testing.T, what string, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: %v", what, err)
	case want != "" && err == nil:
		t.Errorf("%s: no error, want one with %q", what, want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Errorf("%s: %v, want %q", what, err, want)
	case err != nil && strings.Contains(err.Error(), "PRIVATE KEY"):
		t.Errorf("%s: the error shows a key: %v", what, err)
	}
}
