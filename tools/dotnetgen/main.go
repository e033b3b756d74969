// Command dotnetgen writes the backendai package's .NET (C#) SDK from its schema with
// the generator of Pulumi's .NET language host (its codegen package), which `pulumi
// package gen-sdk` would run through the .NET plugin, not served here. No C# is
// compiled here: NuGet serves no Pulumi package to this machine.
//
//	dotnetgen -schema provider/cmd/pulumi-resource-backendai/schema.json -out sdk/dotnet [-check]
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net"
	"net/http"
	"os"
	"sort"
	"time"

	dotnet "github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3/codegen"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"

	"github.com/backendai-infra/backendai-infra/tools/sdkfiles"
)

const tool = "backendai-infra dotnetgen"

func main() {
	schemaFile := flag.String("schema", "", "the package schema (JSON)")
	out := flag.String("out", "sdk/dotnet", "the SDK's directory")
	check := flag.Bool("check", false, "report differences from the generated files and change nothing")
	flag.Parse()
	if err := run(*schemaFile, *out, *check); err != nil {
		fmt.Fprintln(os.Stderr, "dotnetgen:", err)
		os.Exit(1)
	}
}

// serveLogo serves the package's logo on loopback until stop: a plain 64×64 image, the
// same bytes on every run.
func serveLogo() (url string, stop func(), err error) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	draw.Draw(img, img.Bounds(), &image.Uniform{C: color.RGBA{R: 0x2d, G: 0x6c, B: 0xdf, A: 0xff}}, image.Point{}, draw.Src)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return "", nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(b.Bytes())
	}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	return "http://" + l.Addr().String() + "/logo.png", func() { _ = srv.Close() }, nil
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
	pkg, err := schema.ImportSpec(spec, map[string]schema.Language{"csharp": dotnet.Importer}, schema.ValidationOptions{})
	if err != nil {
		return fmt.Errorf("%s: %w", schemaFile, err)
	}
	// The generator downloads the package's logo (the schema's logoUrl, else Pulumi's on
	// GitHub) for the NuGet package: it gets the package's own from this process, on
	// loopback.
	logo, stop, err := serveLogo()
	if err != nil {
		return err
	}
	defer stop()
	pkg.LogoURL = logo
	files, err := dotnet.GeneratePackage(tool, pkg, nil, nil)
	if err != nil {
		return fmt.Errorf("generating the .NET SDK: %w", err)
	}
	differ, err := sdkfiles.Sync(out, files, check)
	if err != nil {
		return err
	}
	if len(differ) > 0 {
		sort.Strings(differ)
		for _, d := range differ {
			fmt.Fprintln(os.Stderr, "dotnetgen:", d)
		}
		return fmt.Errorf("%d generated file(s) differ from the schema's .NET SDK: run tools/sdk.sh", len(differ))
	}
	return nil
}
