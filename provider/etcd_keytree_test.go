//go:build integration

package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/backendai-infra/backendai-infra/tests/servers"
)

func etcdPut(t *testing.T, c *clientv3.Client, key, value string) {
	t.Helper()
	if _, err := c.Put(context.Background(), key, value); err != nil {
		t.Fatal(err)
	}
}

func equalMaps(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// TestKeyTreeLifecycle runs every CRUD path against a real etcd.
func TestKeyTreeLifecycle(t *testing.T) {
	etcd := servers.StartEtcd(t)
	c := servers.EtcdClient(t, etcd.Endpoint)
	ctx := context.Background()
	kt := &KeyTree{}
	conn := EtcdConnection{Endpoints: []string{etcd.Endpoint}}

	// A key of someone else's under the same prefix: nothing here may touch it.
	etcdPut(t, c, "/sorna/local/volumes/_mount", "/mnt")

	args := KeyTreeArgs{Connection: conn, Namespace: "local", Prefix: "volumes",
		Value: map[string]any{
			"_types":       map[string]any{"group": "", "user": ""},
			"default_host": "local:volume1",
			"proxies":      map[string]any{"local": map[string]any{"client_api": "http://127.0.0.1:6021", "manager_api": "https://127.0.0.1:6022", "ssl_verify": "false"}},
		},
		SecretValue: map[string]any{"proxies": map[string]any{"local": map[string]any{"secret": "s3cret-shared-with-storage-proxy"}}},
	}
	created, err := kt.Create(ctx, infer.CreateRequest[KeyTreeArgs]{Name: "volumes", Inputs: args})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"/sorna/local/volumes/_mount":                    "/mnt",
		"/sorna/local/volumes/_types/group":              "",
		"/sorna/local/volumes/_types/user":               "",
		"/sorna/local/volumes/default_host":              "local:volume1",
		"/sorna/local/volumes/proxies/local/client_api":  "http://127.0.0.1:6021",
		"/sorna/local/volumes/proxies/local/manager_api": "https://127.0.0.1:6022",
		"/sorna/local/volumes/proxies/local/secret":      "s3cret-shared-with-storage-proxy",
		"/sorna/local/volumes/proxies/local/ssl_verify":  "false",
	}
	equalMaps(t, "after create", servers.EtcdKeys(t, c, "/sorna/"), want)
	if len(created.Output.Keys) != 7 {
		t.Errorf("owned keys: %v", created.Output.Keys)
	}
	state := created.Output

	// Unchanged: no diff, and a read finds what was written.
	if d, err := kt.Diff(ctx, infer.DiffRequest[KeyTreeArgs, KeyTreeState]{State: state, Inputs: args}); err != nil || d.HasChanges {
		t.Errorf("diff of the same inputs: %+v %v", d, err)
	}
	read, err := kt.Read(ctx, infer.ReadRequest[KeyTreeArgs, KeyTreeState]{ID: created.ID, Inputs: args, State: state})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := kt.Diff(ctx, infer.DiffRequest[KeyTreeArgs, KeyTreeState]{State: read.State, Inputs: args}); d.HasChanges {
		t.Errorf("diff after a read of untouched keys: %+v", d.DetailedDiff)
	}

	// Changed by hand: the read sees it, the diff names exactly that key.
	etcdPut(t, c, "/sorna/local/volumes/default_host", "nfs:other")
	c.Delete(ctx, "/sorna/local/volumes/proxies/local/secret")
	read, err = kt.Read(ctx, infer.ReadRequest[KeyTreeArgs, KeyTreeState]{ID: created.ID, Inputs: args, State: state})
	if err != nil {
		t.Fatal(err)
	}
	if got := read.State.Value["default_host"]; got != "nfs:other" {
		t.Errorf("read did not see the hand change: %v", got)
	}
	d, err := kt.Diff(ctx, infer.DiffRequest[KeyTreeArgs, KeyTreeState]{State: read.State, Inputs: args})
	if err != nil {
		t.Fatal(err)
	}
	wantDiff := map[string]p.PropertyDiff{
		"value.default_host":               {Kind: p.Update},
		"secretValue.proxies.local.secret": {Kind: p.Add},
	}
	if fmt.Sprint(d.DetailedDiff) != fmt.Sprint(wantDiff) {
		t.Errorf("diff after hand changes: %v, want %v", d.DetailedDiff, wantDiff)
	}

	// Update: one key changes, one goes, one comes; the foreign key stays.
	next := args
	next.Value = map[string]any{
		"_types":              map[string]any{"group": "", "user": ""},
		"default_host":        "local:volume2",
		"proxies":             map[string]any{"local": map[string]any{"client_api": "http://127.0.0.1:6021", "manager_api": "https://127.0.0.1:6022", "ssl_verify": "false"}},
		"exposed_volume_info": "percentage",
	}
	next.SecretValue = map[string]any{}
	d, _ = kt.Diff(ctx, infer.DiffRequest[KeyTreeArgs, KeyTreeState]{State: state, Inputs: next})
	wantDiff = map[string]p.PropertyDiff{
		"value.default_host":               {Kind: p.Update},
		"value.exposed_volume_info":        {Kind: p.Add},
		"secretValue.proxies.local.secret": {Kind: p.Delete},
	}
	if fmt.Sprint(d.DetailedDiff) != fmt.Sprint(wantDiff) {
		t.Errorf("diff of an update: %v, want %v", d.DetailedDiff, wantDiff)
	}
	etcdPut(t, c, "/sorna/local/volumes/proxies/local/secret", "s3cret-shared-with-storage-proxy")
	updated, err := kt.Update(ctx, infer.UpdateRequest[KeyTreeArgs, KeyTreeState]{ID: created.ID, State: state, Inputs: next})
	if err != nil {
		t.Fatal(err)
	}
	delete(want, "/sorna/local/volumes/proxies/local/secret")
	want["/sorna/local/volumes/default_host"] = "local:volume2"
	want["/sorna/local/volumes/exposed_volume_info"] = "percentage"
	equalMaps(t, "after update", servers.EtcdKeys(t, c, "/sorna/"), want)

	// Delete: exactly the owned keys go.
	if _, err := kt.Delete(ctx, infer.DeleteRequest[KeyTreeState]{ID: created.ID, State: updated.Output}); err != nil {
		t.Fatal(err)
	}
	equalMaps(t, "after delete", servers.EtcdKeys(t, c, "/sorna/"), map[string]string{"/sorna/local/volumes/_mount": "/mnt"})
}

// TestKeyTreeUnreachable fails within its timeout, with the address, instead of hanging.
func TestKeyTreeUnreachable(t *testing.T) {
	timeout := 2
	args := KeyTreeArgs{Connection: EtcdConnection{Endpoints: []string{"127.0.0.1:1"}, Timeout: &timeout}, Namespace: "local", Value: map[string]any{"a": "b"}}
	start := time.Now()
	_, err := (&KeyTree{}).Create(context.Background(), infer.CreateRequest[KeyTreeArgs]{Name: "x", Inputs: args})
	if err == nil || !strings.Contains(err.Error(), "etcd at 127.0.0.1:1: not reachable within 2s") {
		t.Errorf("got %v", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %s", took)
	}
}

// TestKeyTreeAuthentication writes with a user's password and refuses a wrong one.
func TestKeyTreeAuthentication(t *testing.T) {
	etcd := servers.StartEtcd(t)
	c := servers.EtcdClient(t, etcd.Endpoint)
	ctx := context.Background()
	for _, step := range []func() error{
		func() error { _, err := c.UserAdd(ctx, "root", "root-password"); return err },
		func() error { _, err := c.UserGrantRole(ctx, "root", "root"); return err },
		func() error { _, err := c.AuthEnable(ctx); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	user := "root"
	for _, tt := range []struct {
		password, want string
	}{
		{"root-password", ""},
		{"wrong", "the server refused connection.username/password"},
	} {
		pw := tt.password
		args := KeyTreeArgs{Connection: EtcdConnection{Endpoints: []string{etcd.Endpoint}, Username: &user, Password: &pw}, Namespace: "local", Value: map[string]any{"a": "b"}}
		_, err := (&KeyTree{}).Create(ctx, infer.CreateRequest[KeyTreeArgs]{Name: "x", Inputs: args})
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("with the right password: %v", err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("with a wrong password: %v", err)
		case err != nil && strings.Contains(err.Error(), pw):
			t.Errorf("the error shows the password: %v", err)
		}
	}
}
