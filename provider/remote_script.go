package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
)

// Script is a convergent shell script run on a host over SSH (backendai:remote:Script).
//
// It differs from pulumi-command's remote.Command in what this project needs: the
// script and its inputs travel on stdin (the command line is always `bash -s`), secret
// inputs are exported there too and are scrubbed from every message, a failure reports
// the exit status and the end of stderr but never the script, and a change of only the
// login key does not rerun the script.
type Script struct{}

// ScriptArgs are the inputs of a Script.
type ScriptArgs struct {
	Connection Connection `pulumi:"connection"`
	// Script is the body run by bash; its inputs come from the environment.
	Script string `pulumi:"script"`
	// Environment is exported before the script runs; values show in previews.
	Environment map[string]string `pulumi:"environment,optional"`
	// SecretEnvironment is exported like Environment but stays secret everywhere.
	SecretEnvironment map[string]string `pulumi:"secretEnvironment,optional" provider:"secret"`
	// Delete, when set, runs on destroy with the same environment.
	Delete *string `pulumi:"delete,optional"`
	// PublicStdout keeps the stdout of a script with secret inputs, which prints nothing
	// derived from them (a report); the secret values are scrubbed from it all the same.
	PublicStdout bool `pulumi:"publicStdout,optional"`
	// Timeout bounds a run of the script, in seconds (default: an hour).
	Timeout *int `pulumi:"timeout,optional"`
	// Drift is set by a refresh (Read), never by a program: what on the host no longer
	// matches what the script made. Being an input, it makes the next up's diff show the
	// step, which then reruns.
	Drift string `pulumi:"drift,optional"`
}

// ScriptState is what a Script records.
type ScriptState struct {
	ScriptArgs
	// Stdout of the last run; empty for scripts with secret inputs unless PublicStdout.
	Stdout string `pulumi:"stdout"`
}

// Annotate documents the resource and sets its token.
func (s *Script) Annotate(a infer.Annotator) {
	a.SetToken("remote", "Script")
	a.Describe(&s, "A convergent shell script run on a host over SSH; it reruns when its script or inputs change.")
}

func (s *Script) Create(ctx context.Context, req infer.CreateRequest[ScriptArgs]) (infer.CreateResponse[ScriptState], error) {
	id, err := newID(req.Name)
	if err != nil {
		return infer.CreateResponse[ScriptState]{}, err
	}
	state := ScriptState{ScriptArgs: req.Inputs}
	if req.DryRun {
		return infer.CreateResponse[ScriptState]{ID: id, Output: state}, nil
	}
	state.Stdout, err = execute(ctx, req.Name, req.Inputs, req.Inputs.Script)
	return infer.CreateResponse[ScriptState]{ID: id, Output: state}, err
}

func (s *Script) Update(ctx context.Context, req infer.UpdateRequest[ScriptArgs, ScriptState]) (infer.UpdateResponse[ScriptState], error) {
	state := ScriptState{ScriptArgs: req.Inputs, Stdout: req.State.Stdout}
	if req.DryRun || !needsRun(req.State.ScriptArgs, req.Inputs) {
		return infer.UpdateResponse[ScriptState]{Output: state}, nil
	}
	var err error
	state.Stdout, err = execute(ctx, req.ID, req.Inputs, req.Inputs.Script)
	return infer.UpdateResponse[ScriptState]{Output: state}, err
}

func (s *Script) Delete(ctx context.Context, req infer.DeleteRequest[ScriptState]) (infer.DeleteResponse, error) {
	if req.State.Delete == nil || *req.State.Delete == "" {
		return infer.DeleteResponse{}, nil
	}
	_, err := execute(ctx, req.ID, req.State.ScriptArgs, *req.State.Delete)
	return infer.DeleteResponse{}, err
}

// Read is a refresh: a script that has a check mode (a header line "# Check mode: ") runs in it, which
// changes nothing and prints a "drift: ..." line for each thing on the host that differs
// from what the script made; those lines become Drift. A script without one is not read
// back: its state stays as recorded.
func (s *Script) Read(ctx context.Context, req infer.ReadRequest[ScriptArgs, ScriptState]) (infer.ReadResponse[ScriptArgs, ScriptState], error) {
	inputs, state := req.Inputs, req.State
	if checks(state.Script) {
		drift, err := checkDrift(ctx, req.ID, state.ScriptArgs)
		if err != nil {
			return infer.ReadResponse[ScriptArgs, ScriptState]{}, err
		}
		inputs.Drift, state.Drift = drift, drift
	}
	return infer.ReadResponse[ScriptArgs, ScriptState]{ID: req.ID, Inputs: inputs, State: state}, nil
}

// checks is whether script has a check mode: a line of its header says so. (Whether it
// reads BAI_CHECK does not tell: the functions steps share read it too.)
func checks(script string) bool { return strings.Contains(script, "\n# Check mode: ") }

// checkTimeout bounds a check: it reads, it installs and waits for nothing.
const checkTimeout = 2 * time.Minute

// checkDrift runs the step's script in its check mode and returns the drift it reports, one
// line per difference ("" when the host matches), its secret values scrubbed.
func checkDrift(ctx context.Context, name string, args ScriptArgs) (string, error) {
	env := maps.Clone(args.Environment)
	if env == nil {
		env = map[string]string{}
	}
	env["BAI_CHECK"] = "1"
	args.Environment = env
	res, secrets, err := runStep(ctx, "checking step "+name, args, args.Script, checkTimeout)
	if err != nil {
		return "", err
	}
	var drift []string
	for _, line := range strings.Split(res.stdout, "\n") {
		if what, ok := strings.CutPrefix(line, "drift: "); ok {
			drift = append(drift, scrub(what, secrets))
		}
	}
	return strings.Join(drift, "\n"), nil
}

// defaultStepTimeout bounds a step that sets no timeout: long enough for a large
// image pull or a package install on a slow link, short of hanging an up for ever.
const defaultStepTimeout = time.Hour

// needsRun is false when only how the host is logged in to changed (key, host key,
// retries): the host and what runs on it are the same. A step a refresh found drifted
// reruns.
func needsRun(old, new ScriptArgs) bool {
	return old.Drift != "" || old.Script != new.Script ||
		!maps.Equal(old.Environment, new.Environment) ||
		!maps.Equal(old.SecretEnvironment, new.SecretEnvironment) ||
		old.Connection.addr() != new.Connection.addr() ||
		old.Connection.user() != new.Connection.user()
}

// execute runs body with the step's environment and returns its stdout, which is
// dropped when the step has secret inputs, unless the step says it is public.
func execute(ctx context.Context, name string, args ScriptArgs, body string) (string, error) {
	timeout := defaultStepTimeout
	if args.Timeout != nil && *args.Timeout > 0 {
		timeout = time.Duration(*args.Timeout) * time.Second
	}
	res, secrets, err := runStep(ctx, "step "+name, args, body, timeout)
	if err != nil {
		return "", err
	}
	if line := lastLine(res.stdout); line != "" {
		p.GetLogger(ctx).Info(scrub(line, secrets))
	}
	if len(secrets) > 0 && !args.PublicStdout {
		return "", nil
	}
	return scrub(strings.TrimRight(res.stdout, "\n"), secrets), nil
}

// runStep runs body on the step's host with its environment, within timeout, and returns
// the result and the step's secret values. A host that cannot run it or a non-zero exit
// is an error naming what ("step NAME") and the host, with the end of stderr, scrubbed of
// the secret values.
func runStep(ctx context.Context, what string, args ScriptArgs, body string, timeout time.Duration) (result, []string, error) {
	res, err := args.Connection.run(ctx, stdinFor(args, body), timeout)
	secrets := slices.Collect(maps.Values(args.SecretEnvironment))
	if err != nil {
		return res, secrets, fmt.Errorf("%s: %s", what, scrub(err.Error(), secrets))
	}
	if res.exit != 0 {
		return res, secrets, fmt.Errorf("%s failed on %s with exit status %d:\n%s",
			what, args.Connection.addr(), res.exit, scrub(tail(res.stderr, 20), secrets))
	}
	return res, secrets, nil
}

// stdinFor exports the environment, in a stable order, ahead of the script.
func stdinFor(args ScriptArgs, body string) string {
	var b strings.Builder
	for _, env := range []map[string]string{args.Environment, args.SecretEnvironment} {
		for _, k := range slices.Sorted(maps.Keys(env)) {
			fmt.Fprintf(&b, "export %s=%s\n", k, shellQuote(env[k]))
		}
	}
	b.WriteString(body)
	return b.String()
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func scrub(s string, secrets []string) string {
	for _, v := range secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, "[secret]")
		}
	}
	return s
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func newID(name string) (string, error) {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("making an ID for %s: %w", name, err)
	}
	return name + "-" + hex.EncodeToString(b), nil
}
