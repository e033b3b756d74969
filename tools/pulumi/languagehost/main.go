// Command pulumi-language-go is a small Go language host for the Pulumi CLI.
//
// Why it exists: the Go module proxy this project can reach refuses the upstream
// module github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3 (every version,
// "403 This module version is not available"), while the Pulumi SDK is served.
// The language host's contract is small and lives in the SDK: build the program
// with `go build`, run it with the PULUMI_* environment that pulumi.Run reads,
// and report how it ended. This host does exactly that and nothing more
// (no code generation, no `pulumi new` templates).
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/pulumi/pulumi/sdk/v3/go/common/constant"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

func main() {
	flag.String("root", "", "project root (accepted for compatibility; the engine sends it again with each run)")
	flag.Bool("tracing", false, "accepted for compatibility")
	flag.Parse()
	var engine string
	if args := flag.Args(); len(args) > 0 {
		engine = args[len(args)-1] // the engine address always comes last
	}

	cancel := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, &host{engine: engine})
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-go: cannot serve: %v\n", err)
		os.Exit(1)
	}
	// The CLI reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-go: %v\n", err)
		os.Exit(1)
	}
}

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engine string
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// GetRequiredPlugins reports nothing: the project's plugins are declared in Pulumi.yaml
// and resolved by path, and nothing is ever downloaded.
func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	srv pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetDirectory() //nolint:staticcheck // older engines send only this
	}
	cmd := exec.CommandContext(srv.Context(), "go", "mod", "download")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go mod download in %s: %w\n%s", dir, err, out)
	}
	return nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetPwd()
	}

	binary, err := h.program(ctx, req, dir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("encoding config: %w", err)
	}
	secretKeys, err := json.Marshal(req.GetConfigSecretKeys())
	if err != nil {
		return nil, fmt.Errorf("encoding secret config keys: %w", err)
	}
	engine := h.engine
	if len(req.GetArgs()) > 0 {
		engine = req.GetArgs()[0]
	}

	cmd := exec.CommandContext(ctx, binary)
	cmd.Dir = req.GetPwd()
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(),
		pulumi.EnvProject+"="+req.GetProject(),
		pulumi.EnvStack+"="+req.GetStack(),
		pulumi.EnvOrganization+"="+req.GetOrganization(),
		pulumi.EnvConfig+"="+string(config),
		pulumi.EnvConfigSecretKeys+"="+string(secretKeys),
		pulumi.EnvDryRun+"="+strconv.FormatBool(req.GetDryRun()),
		pulumi.EnvParallel+"="+strconv.Itoa(int(req.GetParallel())),
		pulumi.EnvMonitor+"="+req.GetMonitorAddress(),
		pulumi.EnvEngine+"="+engine,
		pulumi.EnvPulumiRootDirectory+"="+req.GetInfo().GetRootDirectory(),
	)
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exit) && exit.ExitCode() == constant.ExitStatusLoggedError:
		// The program already reported its error through the engine.
		return &pulumirpc.RunResponse{Bail: true}, nil
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("running the Go program in %s: %v", dir, err)}, nil
	}
}

// program returns the executable to run: the prebuilt `binary` runtime option when
// Pulumi.yaml names one, else a `go build` of the program directory into a place kept
// per directory in the user's cache. There go build sees an up-to-date executable and
// does not link it again: a preview of an unchanged program starts in half a second
// instead of the two and a half seconds a link takes on two cores.
func (h *host) program(ctx context.Context, req *pulumirpc.RunRequest, dir string) (string, error) {
	if opts := req.GetInfo().GetOptions().AsMap(); opts["binary"] != nil {
		if b, ok := opts["binary"].(string); ok && b != "" {
			return filepath.Join(dir, b), nil
		}
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding a place for the program's build: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("the program directory %s: %w", dir, err)
	}
	sum := sha256.Sum256([]byte(abs))
	place := filepath.Join(cache, "pulumi-language-go", hex.EncodeToString(sum[:8]))
	if err := os.MkdirAll(place, 0o700); err != nil {
		return "", fmt.Errorf("creating the program's build folder: %w", err)
	}
	// Runs of one program at once (stacks side by side) build it one at a time; go build
	// replaces the executable by a new file, so a run of the old one is not disturbed.
	lock, err := os.OpenFile(filepath.Join(place, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", fmt.Errorf("locking the program's build folder: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("locking the program's build folder: %w", err)
	}
	out := filepath.Join(place, "program")
	build := exec.CommandContext(ctx, "go", "build", "-o", out, ".")
	build.Dir = dir
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("go build of the program in %s failed: %w", dir, err)
	}
	return out, nil
}
