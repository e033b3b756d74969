package components

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

type mockResource struct {
	typ, name, parent, provider string
	deps                        []string
	retain                      bool
	inputs                      resource.PropertyMap
}

type mocks struct {
	mu  sync.Mutex
	all []mockResource
	// stacks are other stacks' outputs, by stack name, for stack references.
	stacks map[string]resource.PropertyMap
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := mockResource{typ: args.TypeToken, name: args.Name, provider: args.Provider, inputs: args.Inputs}
	if rpc := args.RegisterRPC; rpc != nil {
		r.parent, r.deps, r.retain = rpc.GetParent(), rpc.GetDependencies(), rpc.GetRetainOnDelete()
	}
	m.all = append(m.all, r)
	out := args.Inputs.Copy()
	if args.TypeToken == "pulumi:pulumi:StackReference" {
		name := args.Inputs["name"].StringValue()
		outputs, ok := m.stacks[name]
		if !ok {
			return "", nil, fmt.Errorf("unknown stack %s", name)
		}
		out["outputs"] = resource.NewObjectProperty(outputs)
	}
	if args.TypeToken == "docker:index/remoteImage:RemoteImage" {
		out["imageId"] = resource.NewStringProperty("sha256:" + args.Name)
	}
	if strings.HasSuffix(args.Name, "-rpc-keypair") { // rpc_keypair.sh prints the public certificate
		out["stdout"] = resource.NewStringProperty(mockPublicKey + "rpc keypair: fixtures/manager/manager.key_secret changed=no")
	}
	return args.Name + "-id", out, nil
}

// mockPublicKey is the manager's public certificate the mock keypair step prints.
const mockPublicKey = "metadata\ncurve\n    public-key = \"mock-manager-public-key\"\n"

func (m *mocks) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

func (m *mocks) get(name string) mockResource {
	for _, r := range m.all {
		if r.name == name {
			return r
		}
	}
	return mockResource{}
}

func halfstackSpec() spec.Halfstack {
	return spec.Halfstack{
		Images:     &spec.HalfstackImages{Postgres: "registry.example:5000/postgres:16.3-alpine", Redis: spec.DefaultRedisImage, Etcd: spec.DefaultEtcdImage},
		Ports:      &spec.HalfstackPorts{Postgres: 8100, Redis: 8110, Etcd: 8120},
		DBPassword: "develove-but-longer",
	}
}

func TestHalfstackGraph(t *testing.T) {
	for _, deleteData := range []bool{false, true} {
		m := &mocks{}
		err := pulumi.RunErr(func(ctx *pulumi.Context) error {
			h := halfstackSpec()
			h.DeleteDataOnDestroy = deleteData
			conn := Connection{Host: pulumi.String("10.20.30.10"), Port: pulumi.Int(22), User: pulumi.String("ubuntu")}
			_, err := NewHalfstack(ctx, "halfstack", HalfstackArgs{Connection: conn, Spec: h, DBPassword: pulumi.ToSecret(pulumi.String(h.DBPassword)).(pulumi.StringOutput)})
			return err
		}, pulumi.WithMocks("p", "s", m))
		if err != nil {
			t.Fatal(err)
		}

		var types []string
		for _, r := range m.all {
			types = append(types, r.typ)
		}
		for typ, n := range map[string]int{"backendai:index:Halfstack": 1, "pulumi:providers:docker": 1, "docker:index/network:Network": 1,
			"docker:index/volume:Volume": 3, "docker:index/remoteImage:RemoteImage": 3, "docker:index/container:Container": 3} {
			if got := countOf(types, typ); got != n {
				t.Errorf("%d of %s, want %d", got, typ, n)
			}
		}
		if p := m.get("halfstack-docker"); p.inputs["host"].StringValue() != "ssh://ubuntu@10.20.30.10:22" {
			t.Errorf("docker provider host: %v", p.inputs["host"])
		}
		for _, r := range m.all {
			if r.typ == "docker:index/volume:Volume" && r.retain == deleteData {
				t.Errorf("volume %s: retainOnDelete %t with deleteDataOnDestroy %t", r.name, r.retain, deleteData)
			}
			if strings.HasPrefix(r.typ, "docker:index/") && !strings.Contains(r.provider, "halfstack-docker") {
				t.Errorf("%s does not use the node's docker provider: %q", r.name, r.provider)
			}
		}

		db := m.get("backendai-half-db")
		if got := db.inputs["image"].StringValue(); got != "sha256:backendai-half-db-image" {
			t.Errorf("db image: %s", got)
		}
		if img := m.get("backendai-half-db-image"); img.inputs["name"].StringValue() != "registry.example:5000/postgres:16.3-alpine" {
			t.Errorf("the configured image is not used: %v", img.inputs["name"])
		}
		envs := db.inputs["envs"]
		if !envs.IsSecret() {
			t.Error("the database's environment, with its password, is not secret")
		}
		port := db.inputs["ports"].ArrayValue()[0].ObjectValue()
		if port["ip"].StringValue() != "127.0.0.1" || port["external"].NumberValue() != 8100 || port["internal"].NumberValue() != 5432 {
			t.Errorf("db port: %v", port)
		}
		hc := db.inputs["healthcheck"].ObjectValue()
		if tests := hc["tests"].ArrayValue(); len(tests) != 4 || tests[1].StringValue() != "pg_isready" || hc["retries"].NumberValue() != 10 {
			t.Errorf("db health check: %v", hc)
		}
		if !db.inputs["wait"].BoolValue() {
			t.Error("the container is not waited for until healthy")
		}
		etcd := m.get("backendai-half-etcd")
		if cmd := etcd.inputs["command"].ArrayValue(); cmd[0].StringValue() != "/usr/local/bin/etcd" || len(cmd) != 23 {
			t.Errorf("etcd command: %v", cmd)
		}
		if vols := etcd.inputs["volumes"].ArrayValue()[0].ObjectValue(); vols["volumeName"].StringValue() != "backendai-half-etcd-data" || vols["containerPath"].StringValue() != "/etcd-data" {
			t.Errorf("etcd volume: %v", vols)
		}
		if redis := m.get("backendai-half-redis"); redis.inputs["envs"].IsSecret() {
			t.Error("redis has no secret and its environment need not be hidden")
		}
	}
}

func TestHalfstackNeedsPassword(t *testing.T) {
	m := &mocks{}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := NewHalfstack(ctx, "halfstack", HalfstackArgs{Spec: halfstackSpec()})
		return err
	}, pulumi.WithMocks("p", "s", m))
	if err == nil || !strings.Contains(err.Error(), "DBPassword is required") {
		t.Errorf("got %v", err)
	}
	if len(m.all) != 0 {
		t.Errorf("registered %d resources before refusing", len(m.all))
	}
}

func countOf(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}
