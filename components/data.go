package components

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/sdk/go/backendai/db"
	"github.com/backendai-infra/backendai-infra/sdk/go/backendai/etcd"
)

// keyTree registers a tree of etcd keys under namespace/prefix: value's leaves are
// strings or string inputs, secret's are merged into the same tree and stay secret.
func keyTree(ctx *pulumi.Context, name string, conn etcd.KeyTreeArgs, value, secret map[string]any, opts ...pulumi.ResourceOption) (*etcd.KeyTree, error) {
	v, err := tree("value", value)
	if err != nil {
		return nil, fmt.Errorf("key tree %s: %w", name, err)
	}
	conn.Value = v
	if secret != nil {
		s, err := tree("secretValue", secret)
		if err != nil {
			return nil, fmt.Errorf("key tree %s: %w", name, err)
		}
		conn.SecretValue = pulumi.ToSecret(s).(pulumi.MapOutput)
	}
	return etcd.NewKeyTree(ctx, name, &conn, opts...)
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

// fixture registers rows of Backend.AI's database from a fixture file's text, which is
// always a secret: fixture files carry passwords and secret keys.
func fixture(ctx *pulumi.Context, name string, args db.FixtureArgs, data pulumi.StringInput, opts ...pulumi.ResourceOption) (*db.Fixture, error) {
	args.Data = pulumi.ToSecret(data).(pulumi.StringOutput)
	return db.NewFixture(ctx, name, &args, opts...)
}
