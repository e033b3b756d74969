// Command standins serves a sandbox host the caching package index, the caching npm
// registry and the stand-in registry (see package standins) until it is interrupted, for the demo. Once they
// answer on the host it writes the registry's fixture to -fixture and the stack config
// they need to -out, one "path<TAB>value" per line for `pulumi config set --path`.
//
//	go run ./tests/standins/cmd/standins -host bai-m1 -fixture FILE -version 26.9.6 -out FILE
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/backendai-infra/backendai-infra/tests/standins"
)

func main() {
	host := flag.String("host", "bai-m1", "the sandbox hosts that pull and install from the stand-ins, comma-separated")
	fixture := flag.String("fixture", "", "where to write the fixture that registers the local registry")
	version := flag.String("version", "", "the Backend.AI release the fixture is for")
	out := flag.String("out", "", "where to write the stack config, once ready")
	flag.Parse()
	if err := run(*host, *fixture, *version, *out); err != nil {
		fmt.Fprintln(os.Stderr, "standins:", err)
		os.Exit(1)
	}
}

func run(host, fixture, version, out string) error {
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "standins-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	s, err := standins.Start(standins.Options{Root: root, Env: os.Environ(), Hosts: strings.Split(host, ","), Dir: dir})
	if err != nil {
		return err
	}
	defer s.Close()
	// The halfstack runs as a step on the node: the Docker provider plugin cannot be
	// built here.
	// Every agent pulls the kernel stand-in image, and the verification's session runs it.
	config := fmt.Sprintf("halfstack.engine\tscript\nhalfstack.images.postgres\t%s\nhalfstack.images.redis\t%s\n"+
		"halfstack.images.etcd\t%s\nservices.packageIndex\t%s\nservices.imageRegistries[0]\t%s\n"+
		"images.engine\tscript\nimages.pull[0]\t%s\nservices.graphqlGateway.registry\t%s\n",
		s.Images.Postgres, s.Images.Redis, s.Images.Etcd, s.IndexURL, standins.HostRegistry, s.Images.Kernel, s.NPMRegistry)
	if fixture != "" {
		registry, err := standins.RegistryFixture(version)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Clean(fixture), []byte(registry), 0o644); err != nil {
			return err
		}
	}
	if out != "" {
		if err := os.WriteFile(filepath.Clean(out), []byte(config), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "standins: serving on %s until interrupted:\n%s", host, config)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	return nil
}
