package components

import (
	"path"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/configs"
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
	// After is what else the checks wait for: in a plane of several management nodes,
	// the plane's check, which finds every node's services answering.
	After []pulumi.Resource
}

// Verification is the check that ends a deployment (after "Verifying Installation" in
// Backend.AI's docs/dev/development-setup.rst at 26.8.1): Backend.AI's client, pinned to
// the release, in its own venv on the management node, and the checks it runs as the
// admin (verify_cluster.sh): the manager's release, every agent ALIVE with its slots,
// every volume, and a real compute session that prints hello. It runs once the
// manager's images are rescanned and the agents run (beside the Web UI's gateway, which
// the management node's own check covers), and again when the release, a service's
// files, an agent's or the volumes change.
type Verification struct {
	pulumi.ResourceState

	// Result is what was checked, when, and how long each check took, as JSON.
	Result pulumi.StringOutput `pulumi:"result"`
}

// NewVerification installs the client and runs the checks.
func NewVerification(ctx *pulumi.Context, name string, args VerificationArgs, opts ...pulumi.ResourceOption) (*Verification, error) {
	c, m := args.Cluster, args.Management
	v := &Verification{}
	if err := ctx.RegisterComponentResource(VerificationType, name, v, opts...); err != nil {
		return nil, err
	}
	agents, sums := make([]string, 0, len(args.Agents)), []string{m.Sum}
	// After the manager's images, not its other checks (the Web UI's gateway among them):
	// the checks need only the manager, the storage and the agents.
	after := append([]pulumi.Resource{m.Rescanned}, args.After...)
	for _, a := range args.Agents {
		agents = append(agents, a.ID)
		sums = append(sums, a.Sum)
		after = append(after, a.Service)
	}
	err := v.build(ctx, name, checks{Cluster: c, Conn: m.Host.Connection, Home: m.Settings.Home, Python: m.Python,
		Interpreter: m.Interpreter, Manager: m.Settings.Manager.HTTP(), Agents: pulumi.ToStringArray(agents),
		Volumes: VFolderHosts(c), Sums: append(sums, strings.Join(agents, " ")), After: after, Admin: args.Admin,
		UserAccessKey: args.UserAccessKey, UserSecretKey: args.UserSecretKey})
	if err != nil {
		return nil, err
	}
	return v, ctx.RegisterResourceOutputs(v, pulumi.Map{"result": v.Result})
}

// checks are what the verification checks, from where, as whom.
type checks struct {
	Cluster spec.Cluster
	// Conn reaches the node the client runs on; Home is the account's home there, Python
	// the step that installed Interpreter, the client's venv's Python.
	Conn        Connection
	Home        string
	Python      pulumi.Resource
	Interpreter string
	// Manager is the manager's API; Agents, the agents' ids, must be ALIVE; Volumes are
	// the vfolder hosts.
	Manager string
	Agents  pulumi.StringArrayInput
	Volumes []string
	// Sums name what the checks ran against: they run again when one changes. After is
	// what they wait for.
	Sums  []string
	After []pulumi.Resource
	Admin Superadmin
	// UserAccessKey and UserSecretKey are a regular user's keypair; empty: none.
	UserAccessKey string
	UserSecretKey pulumi.StringInput
}

// caOf is the certificate the App Proxy's worker is checked against, when the cluster
// serves HTTPS: its text, or its file on the management node.
func caOf(c spec.Cluster) (file, cert string) {
	if !c.Services.HTTPS() {
		return "", ""
	}
	return c.Services.TLS.CertificateFile, c.Services.TLS.Certificate
}

// build installs the client (pinned to the release, in its own venv) and runs the
// checks as v's children.
func (v *Verification) build(ctx *pulumi.Context, name string, k checks) error {
	c := k.Cluster
	s := steps{ctx: ctx, name: name, parent: v, conn: k.Conn}
	dir := path.Join(k.Home, "client")
	client, err := s.install("client-package", c, dir, k.Interpreter, "backend.ai-client", c.Version, k.Python)
	if err != nil {
		return err
	}
	in := scripts.VerifyClusterInput{ClientDir: dir, User: c.Account.Name, ManagerURL: k.Manager,
		Version: c.Version, Volumes: strings.Join(k.Volumes, " "), Image: c.VerifyImage(), UserAccessKey: k.UserAccessKey,
		Apps: strings.Join(c.VerifyApps(), " ")}
	in.CAFile, in.CACert = caOf(c)
	if a := c.Services.AppProxy; a.On() {
		set := Settings(c, c.Manager())
		in.WorkerURL = set.URL(configs.Addr{Host: c.Manager().Address, Port: a.WorkerPort})
	}
	in.Sum = checksum(slices.Concat(k.Sums, []string{in.Volumes, in.Image})...)
	agents := k.Agents.ToStringArrayOutput().ApplyT(func(ids []string) string { return strings.Join(ids, " ") }).(pulumi.StringOutput)
	secrets := pulumi.StringMap{"BACKEND_ACCESS_KEY": k.Admin.AccessKey, "BACKEND_SECRET_KEY": k.Admin.SecretKey}
	if k.UserAccessKey != "" {
		secrets["USER_SECRET_KEY"] = k.UserSecretKey
	}
	check, err := s.register("checks", in, pulumi.StringMap{"AGENTS": agents}, secrets, stepOptions{public: true},
		append([]pulumi.Resource{client}, k.After...))
	if err != nil {
		return err
	}
	v.Result = check.Stdout
	return nil
}
