// Package remote is the program side of backendai:remote:Script, the provider's
// convergent script over SSH (see infra/provider).
package remote

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ScriptType is the resource's type token.
const ScriptType = "backendai:remote:Script"

// Connection is how a host is reached.
type Connection struct {
	Host       string
	Port       int
	User       string
	PrivateKey pulumi.StringInput // a secret
	HostKey    string             // authorized_keys form; empty turns host key checking off
}

// Input is the connection as a resource input; the private key stays secret.
func (c Connection) Input() pulumi.Map {
	m := pulumi.Map{
		"host":       pulumi.String(c.Host),
		"port":       pulumi.Int(c.Port),
		"user":       pulumi.String(c.User),
		"privateKey": pulumi.ToSecret(c.PrivateKey),
	}
	if c.HostKey != "" {
		m["hostKey"] = pulumi.String(c.HostKey)
	}
	return m
}

// ScriptArgs are a step's inputs. Any change of Script or either environment reruns it.
type ScriptArgs struct {
	Connection        Connection
	Script            string
	Environment       pulumi.StringMapInput
	SecretEnvironment pulumi.StringMapInput
	Delete            string
	// PublicStdout keeps Stdout of a step with secret inputs that prints a report
	// (secret values scrubbed from it).
	PublicStdout bool
}

// Script is one step on one host.
type Script struct {
	pulumi.CustomResourceState

	// Stdout of the step's last run (empty for steps with secret inputs, unless
	// PublicStdout).
	Stdout pulumi.StringOutput `pulumi:"stdout"`
}

// NewScript registers a step.
func NewScript(ctx *pulumi.Context, name string, args ScriptArgs, opts ...pulumi.ResourceOption) (*Script, error) {
	props := pulumi.Map{
		"connection": args.Connection.Input(),
		"script":     pulumi.String(args.Script),
	}
	if args.Environment != nil {
		props["environment"] = args.Environment
	}
	if args.SecretEnvironment != nil {
		props["secretEnvironment"] = pulumi.ToSecret(args.SecretEnvironment)
	}
	if args.Delete != "" {
		props["delete"] = pulumi.String(args.Delete)
	}
	if args.PublicStdout {
		props["publicStdout"] = pulumi.Bool(true)
	}
	var s Script
	if err := ctx.RegisterResource(ScriptType, name, props, &s, opts...); err != nil {
		return nil, err
	}
	return &s, nil
}
