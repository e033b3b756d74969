package components

import (
	"fmt"
	"path"

	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// VerificationInputs are the Verification component's inputs as the provider serves it:
// the cluster, the node the client runs on, the agents that must be ALIVE and the
// admin's keypair.
type VerificationInputs struct {
	ClusterStack string      `pulumi:"clusterStack,optional"`
	Cluster      *ClusterRef `pulumi:"cluster,optional"`
	// Connection reaches the node the client runs on: one of the cluster's, prepared.
	Connection HostConnection `pulumi:"connection"`
	// Agents are the agents' ids that must be ALIVE; default the cluster's own.
	Agents pulumi.StringArrayInput `pulumi:"agents,optional"`
	// AccessKey and SecretKey are a superadmin's keypair (a Cluster's or a
	// ManagementNode's output superadmin).
	AccessKey pulumi.StringInput `pulumi:"accessKey" provider:"secret"`
	SecretKey pulumi.StringInput `pulumi:"secretKey" provider:"secret"`
	// Image is the kernel image of the session it runs; default the cluster's.
	Image string `pulumi:"image,optional"`
}

// NewServedVerification is the Verification component as the provider serves it: the
// checks that end a deployment, run against a deployed cluster (its agentPool
// reference) from one of its nodes: the manager's release, the agents ALIVE with their
// slots, every volume, and a compute session that prints hello.
func NewServedVerification(ctx *pulumi.Context, name string, in VerificationInputs, opts ...pulumi.ResourceOption) (*Verification, error) {
	if err := oneClusterRef(in.ClusterStack, in.Cluster); err != nil {
		return nil, fmt.Errorf("verification %s: %w", name, err)
	}
	conn, err := in.Connection.connection("connection")
	if err != nil {
		return nil, fmt.Errorf("verification %s: %w", name, err)
	}
	if in.AccessKey == nil || in.SecretKey == nil {
		return nil, fmt.Errorf("verification %s: accessKey: a superadmin's accessKey and secretKey are required (a Cluster's or a ManagementNode's output superadmin)", name)
	}
	v := &Verification{}
	if err := ctx.RegisterComponentResource(VerificationType, name, v, opts...); err != nil {
		return nil, err
	}
	ref, c, err := joinedCluster(ctx, name, in.ClusterStack, in.Cluster, v)
	if err != nil {
		return nil, fmt.Errorf("verification %s: %w", name, err)
	}
	if in.Image != "" {
		c.Verify.Image = in.Image
	}
	agents := in.Agents
	if agents == nil {
		var ids []string
		for _, n := range c.Agents() {
			ids = append(ids, agentID(n))
		}
		if len(ids) == 0 {
			return nil, fmt.Errorf("verification %s: agents: the cluster has no agent of its own; name the agents that must be ALIVE (an AgentNode's output agent)", name)
		}
		agents = pulumi.ToStringArray(ids)
	}
	home := path.Join("/home", c.Account.Name)
	s := steps{ctx: ctx, name: name, parent: v, conn: conn}
	py, interpreter, err := s.python(c, home)
	if err != nil {
		return nil, err
	}
	err = v.build(ctx, name, checks{Cluster: c, Conn: conn, Home: home, Python: py, Interpreter: interpreter,
		Manager: ref.Manager, Agents: agents, Volumes: ref.Volumes, Sums: []string{ref.Release, ref.ManagerPublicKey},
		Admin: Superadmin{AccessKey: in.AccessKey.ToStringOutput(), SecretKey: pulumi.ToSecret(in.SecretKey).(pulumi.StringOutput)}})
	if err != nil {
		return nil, err
	}
	return v, ctx.RegisterResourceOutputs(v, pulumi.Map{"result": v.Result})
}

func (v *Verification) Annotate(a infer.Annotator) {
	a.Describe(&v, "The checks that end a deployment (after \"Verifying Installation\" in Backend.AI's "+
		"`docs/dev/development-setup.rst` at 26.8.1), run against a deployed cluster from one of its nodes: Backend.AI's "+
		"client, pinned to the cluster's release, in its own venv; the manager's release, the agents ALIVE with their "+
		"slots, every volume, and a compute session that prints hello. They run again when the release, the agents or the "+
		"volumes change.")
	a.Describe(&v.Result, "What was checked, when, and how long each check took, as JSON.")
}

func (in *VerificationInputs) Annotate(a infer.Annotator) {
	a.Describe(&in.ClusterStack, "The cluster stack's fully qualified name; its output agentPool is read through a stack reference.")
	a.Describe(&in.Cluster, "The cluster's reference itself (a Cluster's or a ManagementNode's output agentPool); give it or clusterStack.")
	a.Describe(&in.Connection, "How the node the client runs on is reached over SSH: one of the cluster's nodes, prepared (Host).")
	a.Describe(&in.Agents, "The ids of the agents that must be ALIVE (an AgentNode's output agent); default the cluster's own.")
	a.Describe(&in.AccessKey, "A superadmin's access key (a Cluster's or a ManagementNode's output superadmin).")
	a.Describe(&in.SecretKey, "Its secret key.")
	a.Describe(&in.Image, "The kernel image of the session the checks run; default the cluster's verify.image.")
}
