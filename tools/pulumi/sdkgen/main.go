// Command sdkgen writes the backendai package's SDKs from its schema with Pulumi's own
// code generators: Go, Python and Node.js (TypeScript). `pulumi package gen-sdk`
// delegates each language to that language's plugin, and the Python and Node.js plugins
// are not served here; the generators are in the Pulumi module this tool builds on.
//
//	sdkgen -schema provider/cmd/pulumi-resource-backendai/schema.json -out sdk
//	sdkgen ... -check     report what differs from the generated files, change nothing
//
// Each language's directory (sdk/go, sdk/python, sdk/nodejs) is the generator's output,
// whole: a file there that the generator does not write is a difference too.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/blang/semver"

	"github.com/backendai-infra/backendai-infra/tools/sdkfiles"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	nodejsgen "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	pythongen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const tool = "backendai-infra sdkgen"

func main() {
	schemaFile := flag.String("schema", "", "the package schema (JSON)")
	out := flag.String("out", "sdk", "the SDKs' directory")
	check := flag.Bool("check", false, "report differences from the generated files and change nothing")
	flag.Parse()
	if err := run(*schemaFile, *out, *check); err != nil {
		fmt.Fprintln(os.Stderr, "sdkgen:", err)
		os.Exit(1)
	}
}

func run(schemaFile, out string, check bool) error {
	raw, err := os.ReadFile(schemaFile)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaFile, err)
	}
	languages := map[string]schema.Language{"go": gogen.Importer, "python": pythongen.Importer, "nodejs": nodejsgen.Importer}
	pkg, err := schema.ImportSpec(spec, languages, noOtherPackages{}, schema.ValidationOptions{})
	if err != nil {
		return fmt.Errorf("%s: %w", schemaFile, err)
	}
	generators := []struct {
		dir string
		gen func() (map[string][]byte, error)
	}{
		{"go", func() (map[string][]byte, error) { return gogen.GeneratePackage(tool, pkg, nil) }},
		{"python", func() (map[string][]byte, error) { return pythongen.GeneratePackage(tool, pkg, nil, noOtherPackages{}) }},
		{"nodejs", func() (map[string][]byte, error) {
			return nodejsgen.GeneratePackage(tool, pkg, nil, nil, false, noOtherPackages{})
		}},
	}
	var differ []string
	for _, g := range generators {
		files, err := g.gen()
		if err != nil {
			return fmt.Errorf("generating the %s SDK: %w", g.dir, err)
		}
		d, err := sdkfiles.Sync(filepath.Join(out, g.dir), files, check)
		if err != nil {
			return err
		}
		differ = append(differ, d...)
	}
	if len(differ) > 0 {
		sort.Strings(differ)
		for _, d := range differ {
			fmt.Fprintln(os.Stderr, "sdkgen:", d)
		}
		return fmt.Errorf("%d generated file(s) differ from the schema's SDKs: run tools/sdk.sh", len(differ))
	}
	return nil
}

// noOtherPackages is the schema loader: the package refers to no other package's types
// or resources, and one that does fails here, naming it.
type noOtherPackages struct{}

var errOther = errors.New("the schema refers to another package, which sdkgen does not load")

func (noOtherPackages) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("%s: %w", pkg, errOther)
}

func (noOtherPackages) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, fmt.Errorf("%s: %w", d.Name, errOther)
}

func (noOtherPackages) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, fmt.Errorf("%s: %w", pkg, errOther)
}

func (noOtherPackages) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, fmt.Errorf("%s: %w", d.Name, errOther)
}
