package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/blang/semver"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/integration"
)

var update = flag.Bool("update", false, "rewrite schema.json")

// schemaFile is the package's schema, which tools/pulumi/sdkgen generates the SDKs from.
const schemaFile = "cmd/pulumi-resource-backendai/schema.json"

// TestSchema: the schema the provider serves is the one kept in the repository (go test
// -run TestSchema -update ./infra/provider rewrites it; then regenerate the SDKs).
func TestSchema(t *testing.T) {
	prov, err := New()
	if err != nil {
		t.Fatal(err)
	}
	s, err := integration.NewServer(context.Background(), Name, semver.MustParse("0.1.0"), integration.WithProvider(prov))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.GetSchema(p.GetSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := json.Indent(&got, []byte(resp.Schema), "", "  "); err != nil {
		t.Fatal(err)
	}
	got.WriteString("\n")
	if *update {
		if err := os.WriteFile(schemaFile, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("the provider's schema differs from %s: run go test -run TestSchema -update ./infra/provider, then tools/sdk.sh", schemaFile)
	}
}
