// Package data is the program side of the provider's data resources: Backend.AI's etcd
// key trees (backendai:etcd:KeyTree) and database fixtures (backendai:db:Fixture).
package data

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/infra/remote"
)

// Type tokens of the resources.
const (
	KeyTreeType = "backendai:etcd:KeyTree"
	FixtureType = "backendai:db:Fixture"
)

// EtcdConnection is how a key tree reaches etcd.
type EtcdConnection struct {
	Endpoints []string           // host:port, as seen from Via when it is set
	Username  string             // empty when etcd has no authentication
	Password  pulumi.StringInput // a secret
	Via       *remote.Connection // an SSH host to tunnel through, usually the management node
}

func (c EtcdConnection) input() pulumi.Map {
	m := pulumi.Map{"endpoints": pulumi.ToStringArray(c.Endpoints)}
	if c.Username != "" {
		m["username"] = pulumi.String(c.Username)
	}
	if c.Password != nil {
		m["password"] = pulumi.ToSecret(c.Password)
	}
	if c.Via != nil {
		m["via"] = c.Via.Input()
	}
	return m
}

// KeyTreeArgs are a key tree's inputs. Leaves of Value are strings or string inputs;
// secrets go in SecretValue, which is merged into the same tree.
type KeyTreeArgs struct {
	Connection  EtcdConnection
	Namespace   string // the manager's etcd namespace, "local" by default in Backend.AI
	Prefix      string // put-json's KEY: "", "config", "volumes", ...
	Value       map[string]any
	SecretValue map[string]any
}

// KeyTree is a tree of etcd keys.
type KeyTree struct {
	pulumi.CustomResourceState

	// Keys are the raw etcd keys the tree owns.
	Keys pulumi.StringArrayOutput `pulumi:"keys"`
}

// NewKeyTree registers a key tree.
func NewKeyTree(ctx *pulumi.Context, name string, args KeyTreeArgs, opts ...pulumi.ResourceOption) (*KeyTree, error) {
	value, err := tree("value", args.Value)
	if err != nil {
		return nil, fmt.Errorf("key tree %s: %w", name, err)
	}
	props := pulumi.Map{
		"connection": args.Connection.input(),
		"namespace":  pulumi.String(args.Namespace),
		"prefix":     pulumi.String(args.Prefix),
		"value":      value,
	}
	if args.SecretValue != nil {
		secret, err := tree("secretValue", args.SecretValue)
		if err != nil {
			return nil, fmt.Errorf("key tree %s: %w", name, err)
		}
		props["secretValue"] = pulumi.ToSecret(secret)
	}
	var k KeyTree
	if err := ctx.RegisterResource(KeyTreeType, name, props, &k, opts...); err != nil {
		return nil, err
	}
	return &k, nil
}

// tree turns a Go tree into a Pulumi input; the provider checks that leaves are strings.
func tree(path string, m map[string]any) (pulumi.Map, error) {
	out := pulumi.Map{}
	for k, v := range m {
		switch v := v.(type) {
		case map[string]any:
			sub, err := tree(path+"."+k, v)
			if err != nil {
				return nil, err
			}
			out[k] = sub
		case string:
			out[k] = pulumi.String(v)
		case pulumi.StringInput:
			out[k] = v
		default:
			return nil, fmt.Errorf("%s.%s: %v (%T) is not a string; etcd values are strings", path, k, v, v)
		}
	}
	return out, nil
}

// DBConnection is how a fixture reaches PostgreSQL.
type DBConnection struct {
	Host     string // as seen from Via when it is set
	Port     int    // 0 means 5432
	User     string
	Password pulumi.StringInput // a secret
	Database string
	Via      *remote.Connection
}

func (c DBConnection) input() pulumi.Map {
	m := pulumi.Map{"host": pulumi.String(c.Host), "user": pulumi.String(c.User), "database": pulumi.String(c.Database)}
	if c.Port != 0 {
		m["port"] = pulumi.Int(c.Port)
	}
	if c.Password != nil {
		m["password"] = pulumi.ToSecret(c.Password)
	}
	if c.Via != nil {
		m["via"] = c.Via.Input()
	}
	return m
}

// FixtureArgs are a fixture's inputs.
type FixtureArgs struct {
	Connection DBConnection
	Version    string             // the Backend.AI release, e.g. "26.8.1"
	Data       pulumi.StringInput // the fixture file's text, JSON or YAML; kept secret
	// Source names the file in the provider's messages, e.g. "fixtures[0] (users.json)".
	Source string
	// KeepOnDelete leaves the rows in place when the fixture is destroyed.
	KeepOnDelete bool
}

// Fixture is a set of rows in Backend.AI's database.
type Fixture struct {
	pulumi.CustomResourceState

	// Rows are the rows as the database holds them, secrets masked.
	Rows pulumi.StringMapOutput `pulumi:"rows"`
}

// NewFixture registers a fixture. Its data is always a secret: fixture files carry
// passwords and secret keys.
func NewFixture(ctx *pulumi.Context, name string, args FixtureArgs, opts ...pulumi.ResourceOption) (*Fixture, error) {
	props := pulumi.Map{
		"connection":       args.Connection.input(),
		"backendaiVersion": pulumi.String(args.Version),
		"data":             pulumi.ToSecret(args.Data),
	}
	if args.Source != "" {
		props["source"] = pulumi.String(args.Source)
	}
	if args.KeepOnDelete {
		props["keepOnDelete"] = pulumi.Bool(true)
	}
	var f Fixture
	if err := ctx.RegisterResource(FixtureType, name, props, &f, opts...); err != nil {
		return nil, err
	}
	return &f, nil
}
