package provider

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
)

var update = flag.Bool("update", false, "rewrite schema.json")

// schemaFile is the package's schema, which tools/pulumi/sdkgen generates the SDKs from.
const schemaFile = "cmd/pulumi-resource-backendai/schema.json"

// TestSchema: the schema the provider serves is the one kept in the repository (go test
// -run TestSchema -update ./provider rewrites it; then regenerate the SDKs).
func TestSchema(t *testing.T) {
	resp, err := newServer(t).GetSchema(p.GetSchemaRequest{})
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
		t.Errorf("the provider's schema differs from %s: run go test -run TestSchema -update ./provider, then tools/sdk.sh", schemaFile)
	}
}
