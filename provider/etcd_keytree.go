package provider

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"net"
)

// KeyTree is a tree of Backend.AI's etcd keys (backendai:etcd:KeyTree): a nested value
// written under /sorna/<namespace>/<prefix> as `backend.ai mgr etcd put-json` writes it.
// It owns exactly the keys its value names: an update deletes the keys it no longer
// names, destroy deletes its keys and nothing else.
type KeyTree struct{}

// EtcdConnection is how a key tree reaches etcd.
type EtcdConnection struct {
	// Endpoints are host:port (or http(s)://host:port) as seen from where the connection
	// starts: from the via host when there is one.
	Endpoints []string `pulumi:"endpoints"`
	Username  *string  `pulumi:"username,optional"`
	Password  *string  `pulumi:"password,optional" provider:"secret"`
	TLS       *TLS     `pulumi:"tls,optional"`
	// Via is an SSH host to reach etcd through, usually the management node.
	Via *Connection `pulumi:"via,optional"`
	// Timeout bounds each attempt to reach etcd, in seconds (default 10).
	Timeout *int `pulumi:"timeout,optional"`
}

// KeyTreeArgs are a key tree's inputs.
type KeyTreeArgs struct {
	Connection EtcdConnection `pulumi:"connection"`
	// Namespace is Backend.AI's etcd namespace (the manager's etcd.namespace, "local" by default).
	Namespace string `pulumi:"namespace"`
	// Prefix is put-json's KEY: "" for the root, "config", "volumes", ...
	Prefix string `pulumi:"prefix,optional"`
	// Value is the nested tree; every leaf is a string.
	Value map[string]any `pulumi:"value,optional"`
	// SecretValue is merged into Value and stays secret: the storage proxy's secret,
	// the Redis password.
	SecretValue map[string]any `pulumi:"secretValue,optional" provider:"secret"`
}

// KeyTreeState is what a key tree records. After a refresh, Value and SecretValue
// hold what etcd holds for the keys this tree owns.
type KeyTreeState struct {
	KeyTreeArgs
	// Keys are the raw etcd keys this tree owns and etcd holds.
	Keys []string `pulumi:"keys"`
}

func (k *KeyTree) Annotate(a infer.Annotator) {
	a.SetToken("etcd", "KeyTree")
	a.Describe(&k, "A tree of Backend.AI etcd keys under /sorna/<namespace>/<prefix>, written as `etcd put-json` does.")
}

func (a KeyTreeArgs) leaves() ([]leaf, error) {
	plain, err := flattenTree(a.Namespace, a.Prefix, "value", a.Value, false)
	if err != nil {
		return nil, err
	}
	secret, err := flattenTree(a.Namespace, a.Prefix, "secretValue", a.SecretValue, true)
	if err != nil {
		return nil, err
	}
	seen := map[string]string{}
	for _, l := range plain {
		seen[l.key] = l.path
	}
	for _, l := range secret {
		if other, ok := seen[l.key]; ok {
			return nil, fmt.Errorf("%s: %s is also written by %s", l.path, l.key, other)
		}
	}
	return append(plain, secret...), nil
}

// validate is the check every operation starts with: nothing reaches etcd before it passes.
func (a KeyTreeArgs) validate() error {
	var errs []error
	if a.Namespace == "" || strings.ContainsAny(a.Namespace, "/ ") {
		errs = append(errs, fmt.Errorf("namespace: %q must be one non-empty path segment, like \"local\"", a.Namespace))
	}
	if strings.HasPrefix(a.Prefix, "/") || strings.HasSuffix(a.Prefix, "/") {
		errs = append(errs, fmt.Errorf("prefix: %q must not start or end with \"/\"", a.Prefix))
	}
	if len(a.Connection.Endpoints) == 0 {
		errs = append(errs, errors.New("connection.endpoints: at least one endpoint is required"))
	}
	if _, err := a.leaves(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (k *KeyTree) Check(ctx context.Context, req infer.CheckRequest) (infer.CheckResponse[KeyTreeArgs], error) {
	args, failures, err := infer.DefaultCheck[KeyTreeArgs](ctx, req.NewInputs)
	if err != nil || len(failures) > 0 || property.New(req.NewInputs).HasComputed() {
		return infer.CheckResponse[KeyTreeArgs]{Inputs: args, Failures: failures}, err
	}
	return infer.CheckResponse[KeyTreeArgs]{Inputs: args, Failures: checkFailures(args.validate())}, nil
}

func (k *KeyTree) Diff(ctx context.Context, req infer.DiffRequest[KeyTreeArgs, KeyTreeState]) (infer.DiffResponse, error) {
	diff := map[string]p.PropertyDiff{}
	old, new := req.State.KeyTreeArgs, req.Inputs
	if old.Namespace != new.Namespace {
		diff["namespace"] = p.PropertyDiff{Kind: p.Update}
	}
	if old.Prefix != new.Prefix {
		diff["prefix"] = p.PropertyDiff{Kind: p.Update}
	}
	if !slices.Equal(old.Connection.Endpoints, new.Connection.Endpoints) {
		diff["connection.endpoints"] = p.PropertyDiff{Kind: p.Update}
	}
	if len(diff) == 0 {
		// The same keys: name each one that changes.
		oldLeaves, _ := old.leaves()
		newLeaves, err := new.leaves()
		if err != nil {
			return infer.DiffResponse{}, err
		}
		byKey := map[string]leaf{}
		for _, l := range oldLeaves {
			byKey[l.key] = l
		}
		for _, l := range newLeaves {
			was, ok := byKey[l.key]
			delete(byKey, l.key)
			switch {
			case !ok:
				diff[l.path] = p.PropertyDiff{Kind: p.Add}
			case was.value != l.value || was.secret != l.secret:
				diff[l.path] = p.PropertyDiff{Kind: p.Update}
			}
		}
		for _, l := range byKey {
			diff[l.path] = p.PropertyDiff{Kind: p.Delete}
		}
	}
	return infer.DiffResponse{HasChanges: len(diff) > 0, DetailedDiff: diff}, nil
}

func (k *KeyTree) Create(ctx context.Context, req infer.CreateRequest[KeyTreeArgs]) (infer.CreateResponse[KeyTreeState], error) {
	state := KeyTreeState{KeyTreeArgs: req.Inputs}
	id := "/sorna/" + req.Inputs.Namespace + "/" + req.Inputs.Prefix
	leaves, err := req.Inputs.leaves()
	if err != nil {
		return infer.CreateResponse[KeyTreeState]{}, err
	}
	state.Keys = keysOf(leaves)
	if req.DryRun {
		return infer.CreateResponse[KeyTreeState]{ID: id, Output: state}, nil
	}
	err = req.Inputs.Connection.apply(ctx, leaves, nil)
	return infer.CreateResponse[KeyTreeState]{ID: id, Output: state}, err
}

func (k *KeyTree) Update(ctx context.Context, req infer.UpdateRequest[KeyTreeArgs, KeyTreeState]) (infer.UpdateResponse[KeyTreeState], error) {
	leaves, err := req.Inputs.leaves()
	if err != nil {
		return infer.UpdateResponse[KeyTreeState]{}, err
	}
	state := KeyTreeState{KeyTreeArgs: req.Inputs, Keys: keysOf(leaves)}
	if req.DryRun {
		return infer.UpdateResponse[KeyTreeState]{Output: state}, nil
	}
	// Keys this tree owned and no longer names are deleted, from the etcd they were
	// written to; the rest is written to the etcd the inputs name.
	oldLeaves, _ := req.State.leaves()
	keep := map[string]bool{}
	for _, l := range leaves {
		keep[l.key] = true
	}
	var gone []string
	for _, l := range oldLeaves {
		if !keep[l.key] {
			gone = append(gone, l.key)
		}
	}
	sameEtcd := slices.Equal(req.State.Connection.Endpoints, req.Inputs.Connection.Endpoints)
	if !sameEtcd && len(gone) > 0 {
		if err := req.State.Connection.apply(ctx, nil, gone); err != nil {
			return infer.UpdateResponse[KeyTreeState]{Output: req.State}, err
		}
		gone = nil
	}
	if err := req.Inputs.Connection.apply(ctx, leaves, gone); err != nil {
		return infer.UpdateResponse[KeyTreeState]{Output: req.State}, err
	}
	return infer.UpdateResponse[KeyTreeState]{Output: state}, nil
}

func (k *KeyTree) Read(ctx context.Context, req infer.ReadRequest[KeyTreeArgs, KeyTreeState]) (infer.ReadResponse[KeyTreeArgs, KeyTreeState], error) {
	leaves, err := req.State.leaves()
	if err != nil {
		return infer.ReadResponse[KeyTreeArgs, KeyTreeState]{}, err
	}
	found, err := req.State.Connection.get(ctx, keysOf(leaves))
	if err != nil {
		return infer.ReadResponse[KeyTreeArgs, KeyTreeState]{}, err
	}
	state := req.State
	state.Value = withValues(state.Namespace, state.Prefix, state.Value, found)
	state.SecretValue = withValues(state.Namespace, state.Prefix, state.SecretValue, found)
	state.Keys = slices.Sorted(maps.Keys(found))
	return infer.ReadResponse[KeyTreeArgs, KeyTreeState]{ID: req.ID, Inputs: req.Inputs, State: state}, nil
}

func (k *KeyTree) Delete(ctx context.Context, req infer.DeleteRequest[KeyTreeState]) (infer.DeleteResponse, error) {
	leaves, err := req.State.leaves()
	if err != nil {
		return infer.DeleteResponse{}, err
	}
	return infer.DeleteResponse{}, req.State.Connection.apply(ctx, nil, keysOf(leaves))
}

func keysOf(leaves []leaf) []string {
	keys := make([]string, len(leaves))
	for i, l := range leaves {
		keys[i] = l.key
	}
	slices.Sort(keys)
	return keys
}

// connect opens a client; a server that cannot be reached fails within the timeout.
func (c EtcdConnection) connect(ctx context.Context) (*clientv3.Client, func(), time.Duration, error) {
	timeout := 10 * time.Second
	if c.Timeout != nil && *c.Timeout > 0 {
		timeout = time.Duration(*c.Timeout) * time.Second
	}
	tlsConfig, err := c.TLS.config()
	if err != nil {
		return nil, nil, 0, fmt.Errorf("connection.%w", err)
	}
	t, err := openTunnel(ctx, c.Via)
	if err != nil {
		return nil, nil, 0, err
	}
	cfg := clientv3.Config{
		Endpoints:   c.Endpoints,
		DialTimeout: timeout,
		TLS:         tlsConfig,
		Logger:      zap.NewNop(),
		Context:     ctx,
		DialOptions: []grpc.DialOption{grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			return t.dial(ctx, "tcp", addr)
		})},
	}
	if c.Username != nil {
		cfg.Username = *c.Username
	}
	if c.Password != nil {
		cfg.Password = *c.Password
	}
	client, err := clientv3.New(cfg)
	if err != nil {
		t.Close()
		return nil, nil, 0, c.explain(err, timeout)
	}
	return client, func() { _ = client.Close(); t.Close() }, timeout, nil
}

func (c EtcdConnection) explain(err error, timeout time.Duration) error {
	where := strings.Join(c.Endpoints, ",")
	if c.Via != nil {
		where += " via " + c.Via.addr()
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded) && c.TLS != nil:
		// gRPC reports a failed handshake as a timeout: find out whether it was one.
		if herr := c.handshake(); herr != nil {
			return fmt.Errorf("etcd at %s: TLS handshake failed: %w", where, herr)
		}
		return fmt.Errorf("etcd at %s: not reachable within %s", where, timeout)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("etcd at %s: not reachable within %s", where, timeout)
	case strings.Contains(err.Error(), "authentication failed"):
		return fmt.Errorf("etcd at %s: the server refused connection.username/password: %w", where, err)
	}
	return fmt.Errorf("etcd at %s: %w", where, err)
}

// apply puts leaves and deletes keys in one transaction: all of it or none.
func (c EtcdConnection) apply(ctx context.Context, put []leaf, del []string) error {
	client, done, timeout, err := c.connect(ctx)
	if err != nil {
		return err
	}
	defer done()
	ops := make([]clientv3.Op, 0, len(put)+len(del))
	for _, l := range put {
		ops = append(ops, clientv3.OpPut(l.key, l.value))
	}
	for _, key := range del {
		ops = append(ops, clientv3.OpDelete(key))
	}
	if len(ops) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if _, err := client.Txn(ctx).Then(ops...).Commit(); err != nil {
		return c.explain(err, timeout)
	}
	return nil
}

// get reads the given keys; absent keys are absent from the result.
func (c EtcdConnection) get(ctx context.Context, keys []string) (map[string]string, error) {
	client, done, timeout, err := c.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	found := map[string]string{}
	// One transaction of gets: a consistent view, one round trip.
	for chunk := range slices.Chunk(keys, 64) {
		ops := make([]clientv3.Op, len(chunk))
		for i, key := range chunk {
			ops[i] = clientv3.OpGet(key)
		}
		resp, err := client.Txn(ctx).Then(ops...).Commit()
		if err != nil {
			return nil, c.explain(err, timeout)
		}
		for _, r := range resp.Responses {
			for _, kv := range r.GetResponseRange().Kvs {
				found[string(kv.Key)] = string(kv.Value)
			}
		}
	}
	return found, nil
}

// checkFailures turns "field: reason" errors into check failures. The reason names
// the field; the failure's property stays empty, because the engine prints the named
// property's whole value beside it, and values here may be secrets (a fixture file
// with passwords, a secret etcd tree).
func checkFailures(err error) []p.CheckFailure {
	if err == nil {
		return nil
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	out := make([]p.CheckFailure, len(errs))
	for i, e := range errs {
		out[i] = p.CheckFailure{Reason: e.Error()}
	}
	return out
}

// handshake tries a TLS handshake with the first endpoint, to explain a failure.
func (c EtcdConnection) handshake() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cfg, err := c.TLS.config()
	if err != nil {
		return err
	}
	t, err := openTunnel(ctx, c.Via)
	if err != nil {
		return err
	}
	defer t.Close()
	addr := c.Endpoints[0]
	if i := strings.Index(addr, "://"); i >= 0 {
		addr = addr[i+3:]
	}
	raw, err := t.dial(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer raw.Close()
	if cfg.ServerName == "" {
		cfg.ServerName, _, _ = net.SplitHostPort(addr)
	}
	conn := tls.Client(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		return err
	}
	// The server may still refuse the client's certificate after the handshake.
	_ = conn.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := conn.Read(make([]byte, 1)); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		return err
	}
	return nil
}
