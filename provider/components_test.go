package provider

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/blang/semver"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/integration"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// constructed is what a component registered under the mocks: each child by name.
type constructed struct {
	sync.Mutex
	children map[string]integration.MockResourceArgs
}

func construct(t *testing.T, typ, name string, inputs map[string]property.Value) (p.ConstructResponse, *constructed, error) {
	t.Helper()
	got := &constructed{children: map[string]integration.MockResourceArgs{}}
	prov, err := New()
	if err != nil {
		t.Fatal(err)
	}
	s, err := integration.NewServer(context.Background(), Name, semver.MustParse("0.1.0"), integration.WithProvider(prov),
		integration.WithMocks(&integration.MockResourceMonitor{
			NewResourceF: func(args integration.MockResourceArgs) (string, property.Map, error) {
				got.Lock()
				defer got.Unlock()
				got.children[args.Name] = args
				out := args.Inputs
				if args.TypeToken == "backendai:remote:Script" {
					out = out.Set("stdout", property.New(args.Name+" ran\ndocker: 28.5 / 2.40 changed=yes"))
				}
				if strings.HasSuffix(args.Name, "-rpc-keypair") { // rpc_keypair.sh prints the public certificate
					out = out.Set("stdout", property.New("curve\n    public-key = \"manager-public-key\"\nrpc keypair: changed=no"))
				}
				return args.Name + "-id", out, nil
			},
		}))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.Construct(p.ConstructRequest{
		Urn:    resource.NewURN("stack", "proj", "", tokens.Type("backendai:index:"+typ), name),
		Inputs: property.NewMap(inputs),
	})
	return resp, got, err
}

// TestHostComponent: the provider constructs backendai:index:Host from its typed
// inputs, each value of the connection and the aliases an input another resource may
// give: the node's steps, the login key secret, the hosts block from the aliases, the
// defaults of Backend.AI's OS preparation guide
// (docs/install/install-from-package/os-preparation.rst at 26.8.1) for what is left out;
// and its outputs.
func TestHostComponent(t *testing.T) {
	key := property.New("-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n").WithSecret(true)
	resp, got, err := construct(t, "Host", "bai-m1", map[string]property.Value{
		"connection": property.New(map[string]property.Value{
			"host": property.New("10.0.0.5"), "port": property.New(2222.0), "privateKey": key,
		}),
		"aliases": property.New([]property.Value{
			property.New(map[string]property.Value{"address": property.New("10.0.0.5"), "name": property.New("bai-m1"),
				"roles": property.New([]property.Value{property.New("manager")})}),
			property.New(map[string]property.Value{"address": property.New("10.0.0.21"), "name": property.New("bai-a01")}),
		}),
		"sysctl": property.New(map[string]property.Value{"net.core.somaxconn": property.New("4096")}),
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range got.children {
		names = append(names, n)
	}
	slices.Sort(names)
	want := []string{"bai-m1", "bai-m1-account", "bai-m1-docker", "bai-m1-docker-daemon", "bai-m1-facts", "bai-m1-hosts", "bai-m1-limits", "bai-m1-sysctl"}
	if !slices.Equal(names, want) {
		t.Fatalf("the component registered %v, want %v", names, want)
	}
	env := func(step, key string) string {
		e := got.children[step].Inputs.Get("environment").AsMap()
		return e.Get(key).AsString()
	}
	for _, tc := range []struct{ step, key, want string }{
		{"bai-m1-hosts", "HOSTS_BLOCK", "10.0.0.5  bai-m1  # manager\n10.0.0.21 bai-a01"},
		{"bai-m1-account", "BAI_UID", "1100"},
		{"bai-m1-sysctl", "SYSCTL_CONF", "net.core.somaxconn=4096"},
		{"bai-m1-docker", "DOCKER_SOURCE", "docker-ce"},
	} {
		if got := env(tc.step, tc.key); got != tc.want {
			t.Errorf("%s: %s = %q, want %q", tc.step, tc.key, got, tc.want)
		}
	}
	conn := got.children["bai-m1-facts"].Inputs.Get("connection").AsMap()
	if conn.Get("port").AsNumber() != 2222 || conn.Get("user").AsString() != "root" || !conn.Get("privateKey").Secret() {
		t.Errorf("the steps' connection: %v", conn)
	}
	if facts := resp.State.Get("facts"); !strings.HasPrefix(facts.AsString(), "bai-m1-facts ran") {
		t.Errorf("the component's facts output: %v", facts)
	}
	if docker := resp.State.Get("docker").AsString(); docker != "28.5 / 2.40" {
		t.Errorf("the component's docker output: %q", docker)
	}
}

// TestHostComponentRefuses: bad input is refused naming the field, before any step.
func TestHostComponentRefuses(t *testing.T) {
	conn := property.New(map[string]property.Value{"host": property.New("10.0.0.5"), "privateKey": property.New("k").WithSecret(true)})
	for _, tc := range []struct {
		name   string
		inputs map[string]property.Value
		want   string
	}{
		{"docker source", map[string]property.Value{"connection": conn,
			"docker": property.New(map[string]property.Value{"source": property.New("snap")})}, `docker.source: "snap" is not one of`},
		{"account", map[string]property.Value{"connection": conn,
			"account": property.New(map[string]property.Value{"name": property.New("Bad Name"), "uid": property.New(0.0), "gid": property.New(1100.0)})}, "account: name \"Bad Name\""},
		{"limits", map[string]property.Value{"connection": conn,
			"limits": property.New(map[string]property.Value{"nofile": property.New(0.0), "nproc": property.New(10.0)})}, "limits: nofile 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got, err := construct(t, "Host", "bai-x", tc.inputs)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("construct: %v, want an error with %q", err, tc.want)
			}
			if len(got.children) > 0 {
				t.Errorf("the refused component registered %d resources", len(got.children))
			}
		})
	}
}
