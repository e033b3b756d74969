package components

import (
	"errors"
	"fmt"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/spec"
	"github.com/backendai-infra/backendai-infra/sdk/go/backendai"
)

// Connection is how the steps reach a node over SSH; each value may be another
// resource's output.
type Connection struct {
	Host       pulumi.StringInput
	Port       pulumi.IntInput
	User       pulumi.StringInput
	PrivateKey pulumi.StringInput // a secret
	HostKey    pulumi.StringInput // authorized_keys form; nil turns host key checking off
}

// args is the connection as the provider's input; the private key stays secret.
func (c Connection) args() backendai.ConnectionArgs {
	a := backendai.ConnectionArgs{
		Host:       c.Host,
		Port:       c.Port.ToIntOutput().ToIntPtrOutput(),
		User:       c.User.ToStringOutput().ToStringPtrOutput(),
		PrivateKey: pulumi.ToSecret(c.PrivateKey).(pulumi.StringOutput),
	}
	if c.HostKey != nil {
		a.HostKey = c.HostKey.ToStringOutput().ToStringPtrOutput()
	}
	return a
}

// via is the connection as the SSH host a data resource tunnels through.
func (c Connection) via() backendai.ConnectionPtrInput {
	return c.args().ToConnectionPtrOutput()
}

// etcdConnection is how a key tree reaches etcd: endpoints as seen from the node it
// tunnels through.
func etcdConnection(endpoints []string, via Connection) backendai.EtcdConnectionArgs {
	return backendai.EtcdConnectionArgs{Endpoints: pulumi.ToStringArray(endpoints), Via: via.via()}
}

// dbConnection is how a fixture reaches PostgreSQL: host and port as seen from the node
// it tunnels through; the password stays secret.
func dbConnection(host string, port int, user string, password pulumi.StringInput, database string, via Connection) backendai.DBConnectionArgs {
	a := backendai.DBConnectionArgs{Host: pulumi.String(host), User: pulumi.String(user), Database: pulumi.String(database), Via: via.via()}
	if port != 0 {
		a.Port = pulumi.IntPtr(port)
	}
	if password != nil {
		a.Password = pulumi.ToSecret(password).(pulumi.StringOutput)
	}
	return a
}

// unknownConnections says which of conns (by node name) names no node of nodes.
func unknownConnections(nodes []spec.Node, conns map[string]HostConnection) error {
	var errs []error
	for node := range conns {
		if !slices.ContainsFunc(nodes, func(n spec.Node) bool { return n.Name == node }) {
			errs = append(errs, fmt.Errorf("connections.%s: no node is named %s", node, node))
		}
	}
	return errors.Join(errs...)
}

// connection is c as the steps reach the node: port 22 and user root unless given;
// field names c in what it says.
func (c HostConnection) connection(field string) (Connection, error) {
	if c.Host == nil || c.PrivateKey == nil {
		return Connection{}, fmt.Errorf("%s: host and privateKey are required", field)
	}
	if c.Port == nil {
		c.Port = pulumi.Int(spec.DefaultSSHPort)
	}
	if c.User == nil {
		c.User = pulumi.String(spec.DefaultSSHUser)
	}
	return Connection{Host: c.Host, Port: c.Port, User: c.User, PrivateKey: c.PrivateKey, HostKey: c.HostKey}, nil
}
