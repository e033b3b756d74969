package components

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/configs"
	"github.com/backendai-infra/backendai-infra/internal/scripts"
	"github.com/backendai-infra/backendai-infra/internal/spec"
	"github.com/backendai-infra/backendai-infra/sdk/go/backendai/remote"
)

// inOrder registers a component's steps, each a named method of its build state, in the
// order given; the first that fails stops the rest. Every component reads this way.
func inOrder(steps ...func() error) error {
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// steps runs one component's remote steps on one host: each a backendai:remote:Script
// named <component>-<suffix>, a child of the component. Every component uses it, so
// steps are named, parented and reported alike.
type steps struct {
	ctx    *pulumi.Context
	name   string
	parent pulumi.Resource
	conn   Connection
}

// run registers one step after deps: in's script with in's variables, and secret's as
// secrets.
func (s steps) run(suffix string, in scripts.Input, secret pulumi.StringMapInput, deps ...pulumi.Resource) (*remote.Script, error) {
	return s.script(suffix, in, nil, secret, deps)
}

// runWith is run with more variables that are other resources' outputs.
func (s steps) runWith(suffix string, in scripts.Input, outputs pulumi.StringMap, deps ...pulumi.Resource) (*remote.Script, error) {
	return s.script(suffix, in, outputs, nil, deps)
}

// report is run for a step whose stdout is a report that holds none of its secrets: it
// is kept (scrubbed of the secret values) as the step's output.
func (s steps) report(suffix string, in scripts.Input, secret pulumi.StringMapInput, deps ...pulumi.Resource) (*remote.Script, error) {
	return s.register(suffix, in, nil, secret, stepOptions{public: true}, deps)
}

func (s steps) script(suffix string, in scripts.Input, outputs pulumi.StringMap, secret pulumi.StringMapInput, deps []pulumi.Resource) (*remote.Script, error) {
	return s.register(suffix, in, outputs, secret, stepOptions{}, deps)
}

// stepOptions are what few steps need: a public stdout, a script run when the step is
// deleted.
type stepOptions struct {
	public bool
	delete string
}

func (s steps) register(suffix string, in scripts.Input, outputs pulumi.StringMap, secret pulumi.StringMapInput, o stepOptions, deps []pulumi.Resource) (*remote.Script, error) {
	env := pulumi.ToStringMap(scripts.Env(in))
	for k, v := range outputs {
		env[k] = v
	}
	args := &remote.ScriptArgs{Connection: s.conn.args(), Script: pulumi.String(in.Script()), Environment: env, SecretEnvironment: secret}
	if o.public {
		args.PublicStdout = pulumi.BoolPtr(true)
	}
	if o.delete != "" {
		args.Delete = pulumi.StringPtr(o.delete)
	}
	st, err := remote.NewScript(s.ctx, s.name+"-"+suffix, args, pulumi.Parent(s.parent), pulumi.DependsOn(deps))
	if err != nil {
		return nil, fmt.Errorf("%s: step %s: %w", s.name, suffix, err)
	}
	return st, nil
}

// python is the interpreter the services' venvs are made from (python.sh), and its path.
func (s steps) python(c spec.Cluster, home string, deps ...pulumi.Resource) (*remote.Script, string, error) {
	py := c.Services.Python
	version := c.PythonVersion()
	st, err := s.run("python", scripts.PythonInput{Source: py.Source, URL: py.URL, SHA256: py.SHA256, Version: version,
		Mirror: py.Mirror, Needs: spec.PythonOf[c.Line()], Release: c.Version, UV: py.UV, IndexURL: c.Services.PackageIndex,
		User: c.Account.Name}, nil, deps...)
	if err != nil {
		return nil, "", err
	}
	interpreter := "/usr/bin/python3"
	switch py.Source {
	case "uv":
		interpreter = "/opt/backendai/bin/python" + version
	case "standalone":
		interpreter = path.Join(home, ".static-python/versions", version, "bin/python3")
	}
	return st, interpreter, nil
}

// install puts a Backend.AI package pinned to version into the venv of dir
// (packages.sh); suffix names the step.
func (s steps) install(suffix string, c spec.Cluster, dir, interpreter, pkg, version string, deps ...pulumi.Resource) (*remote.Script, error) {
	return s.run(suffix, scripts.PackagesInput{Dir: dir, Python: interpreter, Package: pkg, Version: version,
		IndexURL: c.Services.PackageIndex, User: c.Account.Name}, nil, deps...)
}

// file installs a rendered file (config.sh), owned by the account, mode 0600. Only a
// file with placeholders gets the secrets: a change of one secret then reruns only the
// steps that use it.
func (s steps) file(suffix, filePath, owner string, f configs.File, secrets pulumi.StringMapInput, deps ...pulumi.Resource) (*remote.Script, error) {
	var secret pulumi.StringMapInput
	if len(f.Slots) > 0 {
		secret = secrets
	}
	return s.run(suffix, scripts.ConfigInput{Path: filePath, Text: f.Text, Slots: f.SlotList(), Owner: owner, Mode: "0600"},
		secret, deps...)
}

// unit installs a service's run script and systemd unit and (re)starts it (service.sh).
// sum names what the service was started with (its files, packages): the step, and so
// the restart, runs again only when it or the unit changes.
func (s steps) unit(svc configs.Service, home string, account configs.Account, sum string, deps ...pulumi.Resource) (*remote.Script, error) {
	return s.register(svc.Name+"-service", serviceInput(svc, home, account, sum), nil, nil, stepOptions{}, deps)
}

// stoppedUnit is unit for a service that is stopped and disabled when its step is
// deleted (service_stop.sh): an agent whose node leaves its pool.
func (s steps) stoppedUnit(svc configs.Service, home string, account configs.Account, sum string, deps ...pulumi.Resource) (*remote.Script, error) {
	return s.register(svc.Name+"-service", serviceInput(svc, home, account, sum), nil, nil, stepOptions{delete: scripts.ServiceStop}, deps)
}

func serviceInput(svc configs.Service, home string, account configs.Account, sum string) scripts.ServiceInput {
	return scripts.ServiceInput{Service: svc.Name, UnitText: svc.UnitFile(home, account),
		RunScript: path.Join(home, "bin", "run-"+svc.Name+".sh"), RunScriptText: svc.RunScript(home),
		User: account.Name, ConfigSHA256: sum, WaitPort: svc.WaitPort}
}

// checksum is the SHA-256 of the parts one after another, for the steps'
// CONFIG_SHA256: what a service was started with.
func checksum(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// accountOf is the cluster's operations account as the service files name it.
func accountOf(c spec.Cluster) configs.Account {
	return configs.Account{Name: c.Account.Name, UID: c.Account.UID, GID: c.Account.GID}
}
