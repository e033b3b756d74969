package provider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DBConnection is how a fixture reaches Backend.AI's PostgreSQL database.
type DBConnection struct {
	// Host and Port as seen from where the connection starts: from the via host when
	// there is one (the halfstack publishes PostgreSQL on the management node).
	Host     string  `pulumi:"host"`
	Port     *int    `pulumi:"port,optional"`
	User     string  `pulumi:"user"`
	Password *string `pulumi:"password,optional" provider:"secret"`
	Database string  `pulumi:"database"`
	// TLS, when given, is required of the server; without it the connection is plain.
	TLS *TLS        `pulumi:"tls,optional"`
	Via *Connection `pulumi:"via,optional"`
	// Timeout bounds the attempts to reach the server, in seconds (default 10).
	Timeout *int `pulumi:"timeout,optional"`
}

func (c DBConnection) addr() string {
	port := 5432
	if c.Port != nil {
		port = *c.Port
	}
	return net.JoinHostPort(c.Host, strconv.Itoa(port))
}

func (c DBConnection) where() string {
	s := c.User + "@" + c.addr() + "/" + c.Database
	if c.Via != nil {
		s += " via " + c.Via.addr()
	}
	return s
}

func (c DBConnection) validate() []error {
	var errs []error
	if c.Host == "" {
		errs = append(errs, errors.New("connection.host: required"))
	}
	if c.Port != nil && (*c.Port < 1 || *c.Port > 65535) {
		errs = append(errs, fmt.Errorf("connection.port: %d is not a TCP port", *c.Port))
	}
	if c.User == "" {
		errs = append(errs, errors.New("connection.user: required"))
	}
	if c.Database == "" {
		errs = append(errs, errors.New("connection.database: required"))
	}
	return errs
}

// connect opens a connection, retrying while the server is not reachable, never
// longer than the timeout; a refused password or a missing database fails at once.
func (c DBConnection) connect(ctx context.Context) (*pgx.Conn, func(), error) {
	timeout := 10 * time.Second
	if c.Timeout != nil && *c.Timeout > 0 {
		timeout = time.Duration(*c.Timeout) * time.Second
	}
	tlsConfig, err := c.TLS.config()
	if err != nil {
		return nil, nil, fmt.Errorf("connection.%w", err)
	}
	t, err := openTunnel(ctx, c.Via)
	if err != nil {
		return nil, nil, err
	}
	host, port, _ := net.SplitHostPort(c.addr())
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%s sslmode=disable", host, port))
	if err != nil {
		t.Close()
		return nil, nil, fmt.Errorf("connection: %w", err)
	}
	cfg.User, cfg.Database = c.User, c.Database
	if c.Password != nil {
		cfg.Password = *c.Password
	}
	if tlsConfig != nil {
		if tlsConfig.ServerName == "" {
			tlsConfig.ServerName = c.Host
		}
		cfg.TLSConfig = tlsConfig
	}
	cfg.DialFunc = pgconn.DialFunc(t.dial)
	// Names are resolved where the connection starts, on the via host.
	cfg.LookupFunc = func(_ context.Context, host string) ([]string, error) { return []string{host}, nil }
	cfg.ConnectTimeout = 5 * time.Second

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for attempt := 1; ; attempt++ {
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			return conn, func() { _ = conn.Close(context.Background()); t.Close() }, nil
		}
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) {
			t.Close()
			switch pgErr.Code {
			case "28P01", "28000":
				return nil, nil, fmt.Errorf("postgresql %s: connection.password: the server refused the password of user %s", c.where(), c.User)
			case "3D000":
				return nil, nil, fmt.Errorf("postgresql %s: connection.database: no database %q", c.where(), c.Database)
			}
			return nil, nil, fmt.Errorf("postgresql %s: %s (SQLSTATE %s)", c.where(), pgErr.Message, pgErr.Code)
		}
		select {
		case <-ctx.Done():
			t.Close()
			return nil, nil, fmt.Errorf("postgresql %s: not reachable within %s (%d attempts): %v", c.where(), timeout, attempt, err)
		case <-time.After(min(time.Duration(attempt)*500*time.Millisecond, 2*time.Second)):
		}
	}
}
