package components

import (
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/configs"
	"github.com/backendai-infra/backendai-infra/internal/halfstack"
	"github.com/backendai-infra/backendai-infra/internal/scripts"
	"github.com/backendai-infra/backendai-infra/internal/spec"
	"github.com/backendai-infra/backendai-infra/sdk/go/backendai"
	"github.com/backendai-infra/backendai-infra/sdk/go/backendai/remote"
)

// A management plane of several nodes (docs/ha.md): on each management node an etcd
// member, Valkey with a Sentinel, PostgreSQL under Patroni with HAProxy in front of the
// primary, all from the distribution's packages, and the manager, webserver and storage
// proxy as on a single management node. The first node also makes what the plane
// shares once: the configuration in etcd, the schema, the fixtures, the images' rescan.

// PlaneArgs place a management node in a plane of several.
type PlaneArgs struct {
	// First says the node makes what the plane shares; the others' services start after
	// it has (After).
	First bool
	After []pulumi.Resource
	// RPCSeed is the secret the managers' one RPC keypair is derived from: every manager
	// authenticates to the agents with it.
	RPCSeed pulumi.StringInput
	// Adopted is what the node's etcd member, Valkey and PostgreSQL wait for: the first
	// node's single management node's halfstack copied and stopped (planeAdoption), so
	// that no node's Valkey or Sentinel takes the halfstack's Valkey for the master.
	Adopted []pulumi.Resource
}

// planeNode is node n's part of c's plane.
func planeNode(c spec.Cluster, n spec.Node) configs.PlaneNode {
	p := configs.PlaneNode{Name: n.Name, Address: n.Address, Service: spec.PlaneRedisService,
		EtcdPort: c.Halfstack.Ports.Etcd, RedisPort: c.Halfstack.Ports.Redis, ProxyPort: c.Halfstack.Ports.Postgres,
		PeerPort: spec.PlaneEtcdPeerPort, SentinelPort: spec.PlaneSentinelPort, PostgresPort: spec.PlanePostgresPort,
		PatroniPort: spec.PlanePatroniPort, StorageProxyPort: spec.StorageProxyManagerPort, StorageFrontPort: spec.PlaneStorageProxyPort}
	for _, m := range c.Managers() {
		p.Members = append(p.Members, configs.PlaneMember{Name: m.Name, Address: m.Address})
	}
	return p
}

// planeHalfstack: the node's etcd member, Valkey and Sentinel, and PostgreSQL under
// Patroni behind HAProxy, each healthy; the nodes' steps run at the same time (etcd and
// Patroni need a majority of them).
func (g *managementNode) planeHalfstack() error {
	c, n, a := g.args.Cluster, g.args.Node, g.args
	p := planeNode(c, n)
	local := func(port int) string { return configs.Addr{Host: "127.0.0.1", Port: port}.HTTP() }
	etcdMember, err := g.run("plane-etcd", scripts.PlaneEtcdInput{Env: p.EtcdEnv(), Client: local(p.EtcdPort)}, nil,
		slices.Concat(a.Host.Ready, a.Plane.Adopted)...)
	if err != nil {
		return err
	}
	var sentinels []string
	for _, s := range p.Settings(c.Services.ManagerPort).Sentinels {
		sentinels = append(sentinels, s.String())
	}
	valkey, err := g.run("plane-valkey", scripts.PlaneValkeyInput{ValkeyConf: p.ValkeyConf(), SentinelConf: p.SentinelConf(),
		Service: p.Service, First: configs.Addr{Host: p.Members[0].Address, Port: p.RedisPort}.String(),
		Self: configs.Addr{Host: n.Address, Port: p.RedisPort}.String(), Sentinels: strings.Join(sentinels, " ")},
		nil, etcdMember) // one apt at a time on the node
	if err != nil {
		return err
	}
	pkgs, err := g.run("plane-postgres-packages", scripts.PlanePostgresPackagesInput{}, nil, valkey)
	if err != nil {
		return err
	}
	patroni := p.PatroniConf()
	conf, err := g.file("patroni-config", "/etc/patroni/config.yml", "postgres", patroni, g.dbSecret(), pkgs)
	if err != nil {
		return err
	}
	postgres, err := g.run("plane-postgres", scripts.PlanePostgresInput{HAProxyConf: p.HAProxyConf(),
		PatroniSHA256: checksum(patroni.Text, patroni.SlotList()), PatroniAPI: local(p.PatroniPort),
		DBPort: p.ProxyPort, DBName: g.set.DBName},
		pulumi.ToSecret(pulumi.StringMap{"DB_PASSWORD": g.args.DBPassword}).(pulumi.StringMapOutput), etcdMember, conf)
	if err != nil {
		return err
	}
	g.half = []pulumi.Resource{etcdMember, valkey, postgres}
	if !a.Plane.First {
		return nil
	}
	// A single management node's data, copied by planeAdoption, goes in before the
	// plane's own etcd keys, schema and fixtures.
	restore, err := g.run("plane-restore", scripts.PlaneRestoreInput{DumpDir: scripts.PlaneGrowthDir, DBPort: p.ProxyPort,
		DBName: g.set.DBName, EtcdClient: local(p.EtcdPort)}, nil, etcdMember, postgres)
	g.half = append(g.half, restore)
	return err
}

// planeAdoption: growing a single management node into a plane, the node's halfstack's
// data is copied and its containers stopped (plane_adopt.sh), before the plane's
// services take their ports. Every node of the cluster has the step; on each but the
// first management node it only refuses a halfstack (the single node listed elsewhere:
// its data would be left behind), and the first's waits for theirs and for the schema's
// preflight, which reads the database where it is. It changes nothing where there is no
// halfstack (a new plane). The release record and every node's plane wait for the first
// node's, which it returns.
func planeAdoption(ctx *pulumi.Context, parent pulumi.Resource, c spec.Cluster, hosts map[string]*Host, dbPassword pulumi.StringInput, preflight pulumi.Resource) (pulumi.Resource, error) {
	half := halfstack.Services(c.Halfstack)
	secret := pulumi.ToSecret(pulumi.StringMap{"DB_PASSWORD": dbPassword}).(pulumi.StringMapOutput)
	first := c.Managers()[0]
	adopt := func(n spec.Node, isFirst string, deps ...pulumi.Resource) (*remote.Script, error) {
		name := n.Name
		if n.HasRole(spec.RoleManager) {
			name += "-mgmt"
		}
		st := steps{ctx: ctx, name: name, parent: parent, conn: hosts[n.Name].Connection}
		return st.run("plane-adopt", scripts.PlaneAdoptInput{First: isFirst, Node: n.Name, DumpDir: scripts.PlaneGrowthDir,
			DBName: halfstack.Database, DBContainer: half[0].Name, RedisContainer: half[1].Name, EtcdContainer: half[2].Name,
			EtcdPort: c.Halfstack.Ports.Etcd}, secret, slices.Concat(deps, hosts[n.Name].Ready)...) // Docker answers
	}
	others := []pulumi.Resource{preflight}
	for _, n := range c.Nodes {
		if n.Name == first.Name {
			continue
		}
		st, err := adopt(n, "no")
		if err != nil {
			return nil, err
		}
		others = append(others, st)
	}
	return adopt(first, "yes", others...)
}

// dbSecret is the database's password as the steps that fill it in take it.
func (g *managementNode) dbSecret() pulumi.StringMapOutput {
	return pulumi.ToSecret(g.args.DBPassword.ToStringOutput().ApplyT(func(pw string) map[string]string {
		return configs.SlotEnv(map[string]string{configs.DBPassword: configs.SecretValues(pw, "", "")[configs.DBPassword]})
	})).(pulumi.StringMapOutput)
}

// rpcKeyFiles: the managers' one RPC keypair, derived from the plane's seed, as the files
// `backend.ai mgr generate-rpc-keypair` makes; the agents trust its public certificate.
func (g *managementNode) rpcKeyFiles() error {
	c, dir := g.args.Cluster, g.set.ManagerDir()+"/fixtures/manager/"
	pair := g.args.Plane.RPCSeed.ToStringOutput().ApplyT(func(seed string) []string {
		public, secret := configs.RPCKeypair(seed)
		return []string{configs.RPCPublicCertificate(public), configs.RPCSecretCertificate(public, secret)}
	}).(pulumi.StringArrayOutput)
	g.publicKey = pulumi.Unsecret(pair.Index(pulumi.Int(0))).(pulumi.StringOutput)
	public, err := g.runWith("rpc-public-key", scripts.ConfigInput{Path: dir + "manager.key", Text: "-", Owner: c.Account.Name, Mode: "0644"},
		pulumi.StringMap{"CONFIG_TEXT": g.publicKey}, g.services["manager"].pkg)
	if err != nil {
		return err
	}
	secretKey := pulumi.ToSecret(pair.Index(pulumi.Int(1)).ApplyT(func(text string) map[string]string {
		return configs.SlotEnv(map[string]string{rpcSecretSlot: text})
	})).(pulumi.StringMapOutput)
	secret, err := g.file("rpc-secret-key", dir+"manager.key_secret", c.Account.Name,
		configs.SecretFile(rpcSecretSlot), secretKey, g.services["manager"].pkg)
	g.keyFiles = []pulumi.Resource{public, secret}
	return err
}

// rpcSecretSlot is the placeholder of the secret certificate's file, which is all secret.
const rpcSecretSlot = "@BACKENDAI_RPC_SECRET_CERTIFICATE@"

// newPlaneCheck: once every management node's services answer, the plane as a whole
// (plane_check.sh), from the first node; its report is the step's output.
func newPlaneCheck(ctx *pulumi.Context, parent pulumi.Resource, c spec.Cluster, first *ManagementNode, nodes []*ManagementNode) (*remote.Script, error) {
	p := planeNode(c, c.Managers()[0])
	set := p.Settings(c.Services.ManagerPort)
	var etcdURLs, managers []string
	deps := make([]pulumi.Resource, 0, len(nodes))
	for i := range set.Etcd {
		etcdURLs, managers = append(etcdURLs, set.Etcd[i].HTTP()), append(managers, set.Managers[i].HTTP())
	}
	for _, m := range nodes {
		deps = append(deps, m.Verified)
	}
	st := steps{ctx: ctx, name: c.Managers()[0].Name + "-plane", parent: parent, conn: first.Host.Connection}
	return st.report("check", scripts.PlaneCheckInput{EtcdEndpoints: strings.Join(etcdURLs, ","),
		Sentinel: configs.Addr{Host: "127.0.0.1", Port: p.SentinelPort}.String(), Service: p.Service,
		PatroniAPI: configs.Addr{Host: "127.0.0.1", Port: p.PatroniPort}.HTTP(), Members: len(p.Members),
		Managers: strings.Join(managers, " ")}, nil, deps...)
}

// rpcSeed is the secret the plane's RPC keypair is derived from, generated once.
func rpcSeed(ctx *pulumi.Context, parent pulumi.Resource) (pulumi.StringInput, error) {
	cred, err := backendai.NewCredentials(ctx, "managers-rpc-keypair", &backendai.CredentialsArgs{
		User: pulumi.String("the managers' RPC keypair")}, pulumi.Parent(parent))
	if err != nil {
		return nil, err
	}
	return cred.SecretKey, nil
}
