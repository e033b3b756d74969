package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/blang/semver"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/integration"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// newServer serves the provider the way the engine talks to it.
func newServer(t *testing.T) integration.Server {
	t.Helper()
	prov, err := New()
	if err != nil {
		t.Fatal(err)
	}
	s, err := integration.NewServer(context.Background(), Name, semver.MustParse("0.1.0"), integration.WithProvider(prov))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCheckThroughTheServer sends bad inputs the way the engine does and expects check
// failures whose reason names the field: they stop a preview before anything is
// reached. No failure names a property, so that the engine prints no input's value.
func TestCheckThroughTheServer(t *testing.T) {
	s := newServer(t)
	str := property.New[string]
	obj := func(m map[string]property.Value) property.Value { return property.New(property.NewMap(m)) }
	etcd := obj(map[string]property.Value{"endpoints": property.New(property.NewArray([]property.Value{str("127.0.0.1:2379")}))})
	db := obj(map[string]property.Value{"host": str("127.0.0.1"), "user": str("postgres"), "database": str("backend")})
	tests := []struct {
		name, typ string
		inputs    map[string]property.Value
		property  string
		reason    string
		olds      map[string]property.Value
	}{
		{"downgrade", "backendai:index:Release", map[string]property.Value{"release": str("26.4.16")}, "version",
			"26.4.16 is older than 26.8.3, the release this cluster runs", map[string]property.Value{"release": str("26.8.3")}},
		{"non-string leaf", "backendai:etcd:KeyTree", map[string]property.Value{"connection": etcd, "namespace": str("local"),
			"value": obj(map[string]property.Value{"network": obj(map[string]property.Value{"mtu": property.New(1500.0)})})},
			"value.network.mtu", "1500 is a number", nil},
		{"bad namespace", "backendai:etcd:KeyTree", map[string]property.Value{"connection": etcd, "namespace": str("")}, "namespace", "must be one non-empty path segment", nil},
		{"unknown table", "backendai:db:Fixture", map[string]property.Value{"connection": db, "backendaiVersion": str("26.8.1"),
			"data": str(`{"userz": [{"x": 1}]}`)}, "userz", "has no such table", nil},
		{"unknown column", "backendai:db:Fixture", map[string]property.Value{"connection": db, "backendaiVersion": str("26.8.1"),
			"data": str(`{"users": [{"uuid": "f38dea23-50fa-42a0-b5ae-338f5f4693f4", "nickname": "x"}]}`)}, "users[0].nickname", "has no such column", nil},
		{"unsupported release", "backendai:db:Fixture", map[string]property.Value{"connection": db, "backendaiVersion": str("25.1.0"),
			"data": str(`{}`)}, "backendaiVersion", "not a supported Backend.AI release", nil},
		{"missing database", "backendai:db:Fixture", map[string]property.Value{"connection": obj(map[string]property.Value{"host": str("h"), "user": str("u"), "database": str("")}),
			"backendaiVersion": str("26.8.1"), "data": str(`{}`)}, "connection.database", "required", nil},
	}
	// A new release record, and an upgrade, pass.
	for _, olds := range []map[string]property.Value{nil, {"release": str("26.4.16")}} {
		resp, err := s.Check(p.CheckRequest{Urn: "urn:pulumi:s::p::backendai:index:Release::x",
			Inputs: property.NewMap(map[string]property.Value{"release": str("26.8.3")}), State: property.NewMap(olds)})
		if err != nil || len(resp.Failures) > 0 {
			t.Errorf("release 26.8.3 after %v: %v %+v", olds, err, resp.Failures)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := s.Check(p.CheckRequest{Urn: resource.URN("urn:pulumi:s::p::" + tt.typ + "::x"), Inputs: property.NewMap(tt.inputs), State: property.NewMap(tt.olds)})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, f := range resp.Failures {
				if f.Property != "" || strings.Contains(f.Reason, "s3cret-Pa55") {
					t.Errorf("failure %+v names a property or carries a secret", f)
				}
				found = found || strings.Contains(f.Reason, tt.property) && strings.Contains(f.Reason, tt.reason)
			}
			if found {
				return
			}
			t.Errorf("failures %+v, want one for %s with %q", resp.Failures, tt.property, tt.reason)
		})
	}
}
