package components

import (
	"path"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/scripts"
	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// VerificationType is the Verification component's type token.
const VerificationType = "backendai:index:Verification"

// VerificationArgs say what to verify, from where, as whom.
type VerificationArgs struct {
	Cluster spec.Cluster
	// Management is the management node; the client runs there.
	Management *ManagementNode
	// Agents are the cluster's agents, deployed.
	Agents []*AgentNode
	// Admin is the superadmin the checks log in as.
	Admin Superadmin
	// UserAccessKey and UserSecretKey (a secret) are a regular user's keypair, as whom
	// a vfolder is used; empty: no such check.
	UserAccessKey string
	UserSecretKey pulumi.StringInput
}

// Verification is the check that ends a deployment (seed 003, "Verifying
// Installation"): Backend.AI's client, pinned to the release, in its own venv on the
// management node, and the checks it runs as the admin (verify_cluster.sh): the
// manager's release, every agent ALIVE with its slots, every volume, and a real compute
// session that prints hello. It runs once the manager's images are rescanned and the
// agents run (beside the Web UI's gateway, which the management node's own check
// covers), and again when the release, a service's files, an agent's or the volumes
// change.
type Verification struct {
	pulumi.ResourceState

	// Result is what was checked, when, and how long each check took, as JSON.
	Result pulumi.StringOutput
}

// NewVerification installs the client and runs the checks.
func NewVerification(ctx *pulumi.Context, name string, args VerificationArgs, opts ...pulumi.ResourceOption) (*Verification, error) {
	c, m := args.Cluster, args.Management
	v := &Verification{}
	if err := ctx.RegisterComponentResource(VerificationType, name, v, opts...); err != nil {
		return nil, err
	}
	s := steps{ctx: ctx, name: name, parent: v, conn: m.Host.Connection}
	dir := path.Join(m.Settings.Home, "client")
	client, err := s.install("client-package", c, dir, m.Interpreter, "backend.ai-client", c.Version, m.Python)
	if err != nil {
		return nil, err
	}
	agents, sums := make([]string, 0, len(args.Agents)), []string{m.Sum}
	// After the manager's images, not its other checks (the Web UI's gateway among them):
	// the checks need only the manager, the storage and the agents.
	after := []pulumi.Resource{client, m.Rescanned}
	for _, a := range args.Agents {
		agents = append(agents, a.ID)
		sums = append(sums, a.Sum)
		after = append(after, a.Service)
	}
	in := scripts.VerifyClusterInput{ClientDir: dir, User: c.Account.Name, ManagerURL: m.Settings.Manager.HTTP(),
		Version: c.Version, Agents: strings.Join(agents, " "), Volumes: strings.Join(VFolderHosts(c), " "),
		Image: c.VerifyImage(), UserAccessKey: args.UserAccessKey}
	in.Sum = checksum(slices.Concat(sums, []string{in.Agents, in.Volumes, in.Image})...)
	secrets := pulumi.StringMap{"BACKEND_ACCESS_KEY": args.Admin.AccessKey, "BACKEND_SECRET_KEY": args.Admin.SecretKey}
	if args.UserAccessKey != "" {
		secrets["USER_SECRET_KEY"] = args.UserSecretKey
	}
	check, err := s.report("checks", in, secrets, after...)
	if err != nil {
		return nil, err
	}
	v.Result = check.Stdout
	return v, ctx.RegisterResourceOutputs(v, pulumi.Map{"result": v.Result})
}
