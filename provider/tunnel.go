package provider

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
)

// dialFunc opens a TCP connection to addr, as seen from wherever the tunnel starts.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// tunnel is how a data resource reaches its server: directly, or through an SSH host
// (the management node, where the halfstack publishes its ports on loopback).
type tunnel struct {
	dial   dialFunc
	client *client
}

// openTunnel dials via when it is given; the caller closes the tunnel.
func openTunnel(ctx context.Context, via *Connection) (*tunnel, error) {
	if via == nil {
		var d net.Dialer
		return &tunnel{dial: d.DialContext}, nil
	}
	client, err := via.dial(ctx)
	if err != nil {
		return nil, fmt.Errorf("connection.via: %w", err)
	}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := client.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return tunnelConn{Conn: conn, client: client, via: via.addr()}, nil
	}
	return &tunnel{client: client, dial: dial}, nil
}

// tunnelConn is a connection through the tunnel. Once the tunnel's host stopped answering
// (its keepalives), a read or write says so, naming the host: the server's client would
// otherwise report an EOF from its server.
type tunnelConn struct {
	net.Conn
	client *client
	via    string
}

func (c tunnelConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	return n, c.explain(err)
}

func (c tunnelConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	return n, c.explain(err)
}

func (c tunnelConn) explain(err error) error {
	if err != nil && c.client.lost.Load() {
		return fmt.Errorf("the SSH tunnel via %s: the host stopped answering (no reply to SSH keepalives within %s)", c.via, keepaliveWait)
	}
	return err
}

func (t *tunnel) Close() {
	if t.client != nil {
		_ = t.client.Close()
	}
}

// TLS is how a data resource checks its server and proves itself to it.
type TLS struct {
	// CACert (PEM) signs the server's certificate; empty means the system's roots.
	CACert *string `pulumi:"caCert,optional"`
	// Cert and Key (PEM) are the client's certificate, for servers that ask for one.
	Cert *string `pulumi:"cert,optional"`
	Key  *string `pulumi:"key,optional" provider:"secret"`
	// ServerName is the name in the server's certificate, when it is not the address.
	ServerName *string `pulumi:"serverName,optional"`
	// InsecureSkipVerify turns certificate checks off (test servers only).
	InsecureSkipVerify *bool `pulumi:"insecureSkipVerify,optional"`
}

func (t *TLS) config() (*tls.Config, error) {
	if t == nil {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.CACert != nil && *t.CACert != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(*t.CACert)) {
			return nil, errors.New("tls.caCert: no PEM certificate in it")
		}
		cfg.RootCAs = pool
	}
	if (t.Cert == nil) != (t.Key == nil) {
		return nil, errors.New("tls: cert and key go together")
	}
	if t.Cert != nil {
		pair, err := tls.X509KeyPair([]byte(*t.Cert), []byte(*t.Key))
		if err != nil {
			return nil, errors.New("tls.cert/tls.key: not a matching PEM certificate and key") // never echo the key
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	if t.ServerName != nil {
		cfg.ServerName = *t.ServerName
	}
	if t.InsecureSkipVerify != nil {
		cfg.InsecureSkipVerify = *t.InsecureSkipVerify //nolint:gosec // asked for explicitly
	}
	return cfg, nil
}
