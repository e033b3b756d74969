package components

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"golang.org/x/mod/semver"

	"github.com/backendai-infra/backendai-infra/internal/configs"
	"github.com/backendai-infra/backendai-infra/internal/fixtures"
	"github.com/backendai-infra/backendai-infra/internal/halfstack"
	"github.com/backendai-infra/backendai-infra/internal/scripts"
	"github.com/backendai-infra/backendai-infra/internal/spec"
	"github.com/backendai-infra/backendai-infra/sdk/go/backendai/db"
	"github.com/backendai-infra/backendai-infra/sdk/go/backendai/etcd"
	"github.com/backendai-infra/backendai-infra/sdk/go/backendai/remote"
)

// ManagementNodeType is the ManagementNode component's type token.
const ManagementNodeType = "backendai:index:ManagementNode"

// FixtureFile is one of Backend.AI's fixture files, applied in the order given.
type FixtureFile struct {
	// Name names its resource; Source names the file in messages.
	Name, Source string
	Data         string
	// Generated, when set, is the file's text instead of Data: made by the program from
	// other resources' outputs (the superadmin's generated login).
	Generated pulumi.StringInput
}

// ManagementNodeArgs place the management node's services on its prepared host.
type ManagementNodeArgs struct {
	Cluster spec.Cluster
	// Host is the management node, prepared (account, Docker).
	Host *Host
	Node spec.Node
	// DBPassword, StorageProxySecret (shared by the manager, through etcd, and the storage
	// proxy) and StorageProxyJWT are secrets.
	DBPassword, StorageProxySecret, StorageProxyJWT pulumi.StringInput
	// TLSKey is the private key of services.tls.certificate (a secret), when it is given
	// as text.
	TLSKey pulumi.StringInput
	// Fixtures are applied in order after the halfstack is healthy.
	Fixtures []FixtureFile
	// Storage is what the storage proxy's volumes wait for: the shared volumes mounted
	// on the node (SharedStorage.Mounted); none for a local directory.
	Storage []pulumi.Resource
	// Release is the cluster's release record; the services' packages wait for it.
	Release pulumi.Resource
	// Plane, when set, places the node in a management plane of several nodes.
	Plane *PlaneArgs
}

// ManagementNode is the management node's halfstack, shared configuration in etcd,
// database schema and fixtures, and the manager, storage proxy and webserver, as
// Backend.AI's install guide sets them up (docs/install/install-from-package.rst at
// 26.8.1, its pages prepare-database.rst, prepare-cache-service.rst,
// prepare-config-service.rst, install-manager.rst, install-storage-proxy.rst and
// install-webserver.rst), in this order: halfstack healthy → etcd keys → schema →
// fixtures → services → image rescan. Each is a dependency of the next, not a wait.
type ManagementNode struct {
	pulumi.ResourceState

	// Settings are the values its service files were rendered from.
	Settings configs.Settings
	// Services is what the services answered once deployed (verify.sh), as JSON: the
	// manager's API with its release, the Web UI's title, the storage proxy's status.
	Services pulumi.StringOutput `pulumi:"services"`
	// PublicKey is the manager's RPC public certificate, which the agents trust.
	PublicKey pulumi.StringOutput `pulumi:"managerPublicKey"`
	// Endpoints, AgentPool and Login are, served on its own as a management plane
	// (NewServedManagementNode), as a Cluster's are.
	Endpoints pulumi.StringMapOutput `pulumi:"endpoints"`
	AgentPool pulumi.StringOutput    `pulumi:"agentPool"`
	Login     pulumi.StringMapOutput `pulumi:"superadmin" provider:"secret"`
	// Running is what an agent's start waits for: the services running, the fixtures
	// (resource slot types, resource groups) in the database.
	Running []pulumi.Resource
	// Verified is the step that found the services answering.
	Verified pulumi.Resource
	// Rescanned is the kernel images' rescan, once the manager runs: what a session needs.
	Rescanned pulumi.Resource
	// Sum names what the services were deployed with: their files and the release.
	Sum string
	// Host is the node; Python the step that installed Interpreter, the Python the
	// services' venvs are made from.
	Host        *Host
	Python      pulumi.Resource
	Interpreter string
}

// Settings derives the service files' settings from the cluster: the halfstack on the
// node's own published ports, the manager at the node's address.
func Settings(c spec.Cluster, n spec.Node) configs.Settings {
	h := c.Halfstack
	set := configs.Settings{
		Line: c.Line(), Namespace: "local",
		Etcd:       configs.Addr{Host: "127.0.0.1", Port: h.Ports.Etcd},
		EtcdPublic: configs.Addr{Host: n.Address, Port: h.Ports.Etcd},
		DB:         configs.Addr{Host: "127.0.0.1", Port: h.Ports.Postgres},
		Redis:      configs.Addr{Host: "127.0.0.1", Port: h.Ports.Redis},
		DBName:     halfstack.Database, DBUser: "postgres",
		Home:    path.Join("/home", c.Account.Name),
		Manager: configs.Addr{Host: n.Address, Port: c.Services.ManagerPort}, ManagerInternalPort: spec.ManagerInternalPort,
		// As install-dev and the TUI installer set it: num-proc may not exceed the CPUs.
		NumProc: 1,
		StorageProxy: configs.StorageProxy{Name: "local", NodeID: "i-" + n.Name, ClientPort: spec.StorageProxyClientPort, ManagerPort: spec.StorageProxyManagerPort,
			Volumes: storageProxyVolumes(c)},
		Webserver: configs.Webserver{Port: c.Services.Webserver.Port, Domain: "default",
			Title: c.Services.Webserver.Title, MaxSessionAge: 604800},
	}
	if c.Services.GraphQLGateway.On() {
		set.Webserver.GatewayPort = c.Services.GraphQLGateway.Port
	}
	if c.HA() {
		set.Plane = planeNode(c, n).Settings(c.Services.ManagerPort)
	}
	if t := c.Services.TLS; c.Services.HTTPS() {
		set.TLS = &configs.TLSFiles{Cert: t.CertificateFile, Key: t.KeyFile}
		if t.Certificate != "" {
			set.TLS = &configs.TLSFiles{Cert: path.Join(set.Home, "tls", "cert.pem"), Key: path.Join(set.Home, "tls", "key.pem")}
		}
	}
	return set
}

// managementNode is the build state of the management node: what each of its steps
// made, for the steps after it.
type managementNode struct {
	steps
	args ManagementNodeArgs
	set  configs.Settings

	half     []pulumi.Resource // the halfstack, healthy
	etcdKeys []pulumi.Resource // the shared configuration in etcd
	secrets  pulumi.StringMapOutput
	services map[string]installed
	// python installed interpreter, the services' Python.
	python      pulumi.Resource
	interpreter string
	ini         configs.File
	keypair     *remote.Script
	// publicKey is the managers' RPC public certificate; keyFiles, in a plane, the
	// keypair's files (keypair is then nil).
	publicKey pulumi.StringOutput
	keyFiles  []pulumi.Resource
	schema    pulumi.Resource
	fixtures  []pulumi.Resource // the last fixture, once all are in
	volumes   pulumi.Resource
	units     []pulumi.Resource
	rescan    pulumi.Resource
	// gateway is the GraphQL gateway's packages and supergraph (nil when the stack has
	// none), and what its unit was started with.
	gateway     *remote.Script
	gatewaySum  string
	gatewayUnit pulumi.Resource
	// tls is the private CA in the trust store and the certificate's and the key's files
	// (none when the stack serves HTTP, or for the node's own files), and what the
	// services using them restart on.
	tls    []pulumi.Resource
	tlsSum string
	// appProxyUnits are the App Proxy's units and its resource group's row (nil when the
	// stack has none); appProxySum what its services were started with.
	appProxyUnits []pulumi.Resource
	appProxySum   []string
}

// installed is one service's package and files, and their checksum.
type installed struct {
	pkg   *remote.Script
	files []pulumi.Resource
	sum   string
}

// storageProxyVolumes are the cluster's volumes as the storage proxy serves them.
func storageProxyVolumes(c spec.Cluster) []configs.Volume {
	var out []configs.Volume
	for _, v := range c.Volumes() {
		out = append(out, configs.Volume{Name: v.Name, Backend: "vfs", Path: v.Path})
	}
	return out
}

// NewManagementNode builds the management node on its host, in ManagementNode's order.
func NewManagementNode(ctx *pulumi.Context, name string, args ManagementNodeArgs, opts ...pulumi.ResourceOption) (*ManagementNode, error) {
	s, err := args.check(name)
	if err != nil {
		return nil, err
	}
	m := &ManagementNode{Settings: s, Host: args.Host}
	if err := ctx.RegisterComponentResource(ManagementNodeType, name, m, opts...); err != nil {
		return nil, err
	}
	if err := m.build(ctx, name, args); err != nil {
		return nil, err
	}
	return m, ctx.RegisterResourceOutputs(m, pulumi.Map{"services": m.Services, "publicKey": m.PublicKey})
}

// check says what in args cannot make a management node, and gives its services' settings.
func (args ManagementNodeArgs) check(name string) (configs.Settings, error) {
	c, n := args.Cluster, args.Node
	for _, secret := range []struct {
		field string
		value pulumi.StringInput
	}{{"DBPassword", args.DBPassword}, {"StorageProxySecret", args.StorageProxySecret}, {"StorageProxyJWT", args.StorageProxyJWT}} {
		if secret.value == nil {
			return configs.Settings{}, fmt.Errorf("management node %s: %s is required", name, secret.field)
		}
	}
	if t := c.Services.TLS; c.Services.HTTPS() && t.Certificate != "" && args.TLSKey == nil {
		return configs.Settings{}, fmt.Errorf("management node %s: TLSKey is required with services.tls.certificate", name)
	}
	if e := c.Halfstack.Engine; e != spec.EngineDocker && e != spec.EngineScript {
		return configs.Settings{}, fmt.Errorf("management node %s: halfstack.engine %q is not %q or %q", name, e, spec.EngineDocker, spec.EngineScript)
	}
	s := Settings(c, n)
	if err := s.Check(); err != nil {
		return configs.Settings{}, fmt.Errorf("management node %s: %w", name, err)
	}
	return s, nil
}

// build registers the management node's steps, in ManagementNode's order, as m's children;
// m.Settings are its services' (check).
func (m *ManagementNode) build(ctx *pulumi.Context, name string, args ManagementNodeArgs) error {
	m.Host = args.Host
	g := &managementNode{steps: steps{ctx: ctx, name: name, parent: m, conn: args.Host.Connection}, args: args, set: m.Settings}
	if err := inOrder(
		g.halfstack,       // 1. PostgreSQL, Redis and etcd, healthy
		g.etcdConfig,      // 2. the shared configuration and the storage proxy in etcd
		g.installServices, // 3. Python, then per service its package and files
		g.tlsFiles,        //    and the certificate users connect over HTTPS with
		g.graphqlGateway,  //    and the GraphQL gateway with the manager's supergraph
		g.rpcKeypair,      // 4. the manager's RPC keypair
		g.migrateSchema,   //    and the schema
		g.loadFixtures,    // 5. the stack's fixtures
		g.provisionRoles,  //    and, from 26.9, every user's roles
		g.storageVolumes,  // 6. the storage proxy's volumes
		g.startServices,   //    and the services under systemd
		g.appProxy,        //    and the App Proxy, the resource group pointed at it
		g.rescanImages,    // 7. the registries' kernel images and their aliases
	); err != nil {
		return err
	}
	verify, err := g.verify() // 8. the services answer
	if err != nil {
		return err
	}
	m.Services, m.Verified, m.Rescanned, m.Sum = verify.Stdout, verify, g.rescan, g.sum()
	m.Python, m.Interpreter = g.python, g.interpreter
	m.PublicKey = g.publicKey
	m.Running = slices.Concat(g.units, g.fixtures)
	return nil
}

// publicCertificate is rpc_keypair.sh's output without its status line.
func publicCertificate(out string) string {
	out = strings.TrimRight(out, "\n")
	if i := strings.LastIndex(out, "\n"); i >= 0 {
		return out[:i+1]
	}
	return ""
}

// shares says the node makes what the plane shares: the configuration in etcd, the
// schema, the fixtures and roles, the images' rescan (a single management node does).
func (g *managementNode) shares() bool { return g.args.Plane == nil || g.args.Plane.First }

// halfstack: the halfstack, healthy, as Docker resources or as a step; in a plane of
// several nodes, the node's part of it.
func (g *managementNode) halfstack() error {
	c, a := g.args.Cluster, g.args
	if a.Plane != nil {
		return g.planeHalfstack()
	}
	if c.Halfstack.Engine == spec.EngineDocker {
		h, err := NewHalfstack(g.ctx, g.name+"-halfstack", HalfstackArgs{Connection: a.Host.Connection, Spec: c.Halfstack, DBPassword: a.DBPassword, DependsOn: a.Host.Ready}, pulumi.Parent(g.parent))
		if err != nil {
			return err
		}
		for _, ct := range h.Containers {
			g.half = append(g.half, ct)
		}
		return nil
	}
	st, err := g.run("halfstack", scripts.HalfstackInput{Vars: halfstack.ScriptEnv(halfstack.Services(c.Halfstack))},
		pulumi.StringMap{"POSTGRES_PASSWORD": a.DBPassword}, a.Host.Ready...)
	g.half = []pulumi.Resource{st}
	return err
}

// etcdConfig: the shared configuration and the storage proxy, through the node.
func (g *managementNode) etcdConfig() error {
	c, n, s := g.args.Cluster, g.args.Node, g.set
	if !g.shares() {
		return nil
	}
	// Agents and storage proxies on other nodes reach Redis at the node's address; in a
	// plane, through the Sentinels.
	redis := map[string]any{"addr": configs.Addr{Host: n.Address, Port: c.Halfstack.Ports.Redis}.String()}
	if p := s.Plane; p != nil {
		redis = map[string]any{"sentinel": p.SentinelList(), "service_name": p.SentinelService}
	}
	under := func(prefix string) etcd.KeyTreeArgs {
		return etcd.KeyTreeArgs{Connection: etcdConnection([]string{s.Etcd.String()}, g.conn),
			Namespace: pulumi.String(s.Namespace), Prefix: pulumi.String(prefix)}
	}
	within := []pulumi.ResourceOption{pulumi.Parent(g.parent), pulumi.DependsOn(g.half)}
	configTree, err := keyTree(g.ctx, g.name+"-etcd-config", under("config"), map[string]any{
		"redis":  redis,
		"docker": map[string]any{"image": map[string]any{"auto_pull": "tag"}},
		"api":    map[string]any{"allow-openapi-schema-introspection": "no", "allow-graphql-schema-introspection": "no"},
	}, nil, within...)
	if err != nil {
		return err
	}
	volumesTree, err := keyTree(g.ctx, g.name+"-etcd-volumes", under("volumes"),
		configs.VolumesTree(s, n.Address), configs.SecretVolumesTree(s, g.args.StorageProxySecret), within...)
	g.etcdKeys = []pulumi.Resource{configTree, volumesTree}
	return err
}

// installServices: Python, then per service its package and its files (the manager's
// alembic.ini too, which its schema steps read).
func (g *managementNode) installServices() error {
	c, s := g.args.Cluster, g.set
	python, interpreter, err := g.steps.python(c, s.Home, withRelease([]pulumi.Resource{g.args.Host.Account}, g.args.Release)...)
	if err != nil {
		return err
	}
	g.python, g.interpreter = python, interpreter
	g.secrets = pulumi.All(g.args.DBPassword, g.args.StorageProxySecret, g.args.StorageProxyJWT).ApplyT(func(v []any) map[string]string {
		return configs.SlotEnv(configs.SecretValues(v[0].(string), v[1].(string), v[2].(string)))
	}).(pulumi.StringMapOutput)
	render := map[string]func(configs.Settings) (configs.File, error){
		"manager": configs.ManagerTOML, "storage-proxy": configs.StorageProxyTOML, "webserver": configs.WebserverConf,
	}
	if g.ini, err = configs.AlembicINI(s); err != nil {
		return err
	}
	g.services = map[string]installed{}
	for _, svc := range configs.Services {
		pkg, err := g.install(svc.Name+"-package", c, svc.Dir(s.Home), interpreter, svc.Package, c.Version, python)
		if err != nil {
			return err
		}
		rendered, err := render[svc.Name](s)
		if err != nil {
			return err
		}
		type file struct {
			step, name string
			configs.File
		}
		files := []file{{svc.Name + "-config", svc.Config, rendered}}
		if svc.Name == "manager" {
			files = append(files, file{svc.Name + "-alembic", "alembic.ini", g.ini})
		}
		in := installed{pkg: pkg}
		var sum []string
		for _, f := range files {
			st, err := g.file(f.step, path.Join(svc.Dir(s.Home), f.name), c.Account.Name, f.File, g.secrets, pkg)
			if err != nil {
				return err
			}
			sum = append(sum, f.Text+f.SlotList())
			in.files = append(in.files, st)
		}
		in.sum = checksum(sum...)
		g.services[svc.Name] = in
	}
	return nil
}

// tlsFiles: the certificate chain and its key (services.tls), which the webserver and
// the App Proxy's worker serve HTTPS with; the webserver restarts when they change.
func (g *managementNode) tlsFiles() error {
	c, s := g.args.Cluster, g.set
	if s.TLS == nil {
		return nil
	}
	t := c.Services.TLS
	g.tlsSum = s.TLS.Cert + s.TLS.Key
	if t.CA != "" {
		// Before the services start: their HTTPS clients read the trust store once.
		ca, err := g.run("tls-ca", scripts.CATrustInput{Cert: t.CA}, nil, g.args.Host.Account)
		if err != nil {
			return err
		}
		g.tls, g.tlsSum = append(g.tls, ca), g.tlsSum+t.CA
	}
	if t.Certificate != "" {
		cert, err := g.file("tls-certificate", s.TLS.Cert, c.Account.Name, configs.File{Text: t.Certificate}, nil, g.args.Host.Account)
		if err != nil {
			return err
		}
		key := pulumi.ToSecret(g.args.TLSKey.ToStringOutput().ApplyT(func(k string) map[string]string {
			return configs.SlotEnv(map[string]string{configs.TLSKey: k})
		})).(pulumi.StringMapOutput)
		keyFile, err := g.file("tls-key", s.TLS.Key, c.Account.Name, configs.TLSKeyFile(), key, g.args.Host.Account)
		if err != nil {
			return err
		}
		g.tls, g.tlsSum = append(g.tls, cert, keyFile), g.tlsSum+t.Certificate
	}
	// The webserver serves HTTPS; the manager reaches the App Proxy's coordinator so.
	for _, name := range []string{"webserver", "manager"} {
		svc := g.services[name]
		svc.files, svc.sum = append(svc.files, g.tls...), checksum(svc.sum, g.tlsSum)
		g.services[name] = svc
	}
	return nil
}

// graphqlGateway: the GraphQL gateway (the halfstack's Hive Gateway): its packages,
// beside the services' (they need nothing of Backend.AI's), then the supergraph of the
// installed manager's subgraphs, again when the release changes: the subgraphs are the
// release's.
func (g *managementNode) graphqlGateway() (err error) {
	c := g.args.Cluster
	gw := c.Services.GraphQLGateway
	if !gw.On() {
		return nil
	}
	dir := configs.GatewayService(gw.Port).Dir(g.set.Home)
	// Its apt (Node.js) after Docker's and the python step's: one apt runs at a time on
	// a node, and theirs are on the sessions' path.
	pkgs, err := g.run("graphql-gateway-packages", scripts.GatewayPackagesInput{GatewayDir: dir, GatewayVersion: gw.Version,
		User: c.Account.Name, Registry: gw.Registry}, nil, append(slices.Clip(g.args.Host.Ready), g.python)...)
	if err != nil {
		return err
	}
	in := scripts.GatewayInput{ManagerCommand: g.managerCommand(), GatewayDir: dir, GatewayVersion: gw.Version,
		ManagerURL: g.set.Manager.HTTP(), PublicSubgraph: "no"}
	// 26.9's manager serves its public schema as a subgraph of the supergraph.
	if semver.Compare("v"+c.Line(), "v26.9") >= 0 {
		in.PublicSubgraph = "yes"
	}
	g.gatewaySum = checksum(in.Version, in.GatewayVersion, in.ManagerURL, in.PublicSubgraph)
	g.gateway, err = g.run("graphql-gateway", in, nil, g.services["manager"].pkg, pkgs)
	return err
}

// managerCommand is what the steps that run the backend.ai command share: in the
// manager's directory, as its account.
func (g *managementNode) managerCommand() scripts.ManagerCommand {
	return scripts.ManagerCommand{Dir: g.set.ManagerDir(), User: g.args.Cluster.Account.Name, Version: g.args.Cluster.Version}
}

// rpcKeypair: the manager's RPC keypair, made once.
func (g *managementNode) rpcKeypair() (err error) {
	if g.args.Plane != nil {
		return g.rpcKeyFiles()
	}
	if g.keypair, err = g.run("rpc-keypair", scripts.RPCKeypairInput{ManagerCommand: g.managerCommand()}, nil, g.services["manager"].pkg); err != nil {
		return err
	}
	g.publicKey = g.keypair.Stdout.ApplyT(publicCertificate).(pulumi.StringOutput)
	return nil
}

// migrateSchema: the schema, once the etcd keys are in. It runs again when the release
// or alembic.ini changes: then it may have to migrate.
func (g *managementNode) migrateSchema() (err error) {
	if !g.shares() {
		return nil
	}
	iniSum := sha256.Sum256([]byte(g.ini.Text))
	g.schema, err = g.run("schema", scripts.SchemaInput{ManagerCommand: g.managerCommand(), AlembicSHA256: hex.EncodeToString(iniSum[:])},
		nil, slices.Concat(g.half, g.etcdKeys, g.services["manager"].files)...)
	return err
}

// loadFixtures: each fixture after the one before (their rows refer to each other).
func (g *managementNode) loadFixtures() error {
	c, s := g.args.Cluster, g.set
	if !g.shares() {
		// The plane's first node loads them; this node's services start after the
		// node's before it, and after this node's own etcd member, Valkey and PostgreSQL
		// (the first node's wait for them through the etcd keys and the schema).
		g.fixtures = slices.Concat(g.args.Plane.After, g.half)
		return nil
	}
	conn := dbConnection(s.DB.Host, s.DB.Port, s.DBUser, g.args.DBPassword, s.DBName, g.conn)
	prev := []pulumi.Resource{g.schema}
	for _, f := range g.args.Fixtures {
		data := f.Data
		if c.Services.AppProxy.On() && f.Generated == nil {
			// The App Proxy's fixture owns the resource groups' wsproxy columns (Backend.AI's
			// example fixture sets them to its development address): two owners of one
			// column would undo each other after a refresh.
			var err error
			if data, err = fixtures.Without(data, "scaling_groups", "wsproxy_addr", "wsproxy_api_token"); err != nil {
				return fmt.Errorf("fixture %s: %w", f.Name, err)
			}
		}
		text := pulumi.StringInput(pulumi.String(data))
		if f.Generated != nil {
			text = f.Generated
		}
		args := db.FixtureArgs{Connection: conn, BackendaiVersion: pulumi.String(c.Version)}
		if f.Source != "" {
			args.Source = pulumi.StringPtr(f.Source)
		}
		// The rows are the cluster's data, kept like its volumes unless the stack asks.
		if !c.Halfstack.DeleteDataOnDestroy {
			args.KeepOnDelete = pulumi.BoolPtr(true)
		}
		fx, err := fixture(g.ctx, g.name+"-fixture-"+f.Name, args, text, pulumi.Parent(g.parent), pulumi.DependsOn(prev))
		if err != nil {
			return err
		}
		prev = []pulumi.Resource{fx}
	}
	g.fixtures = prev
	return nil
}

// provisionRoles: every user's roles once the fixtures are in (the steps after the
// fixtures wait for it): on 26.4 and 26.8 each user's own system role, as the manager
// gives a user it creates (user_roles.sh); from 26.9 the release's role presets and
// every scope's and user's roles (roles.sh).
func (g *managementNode) provisionRoles() error {
	c := g.args.Cluster
	if !g.shares() {
		return nil
	}
	var db scripts.PlaneDB
	if g.args.Plane != nil {
		db.Port = c.Halfstack.Ports.Postgres
	}
	var data []string
	for _, f := range g.args.Fixtures {
		data = append(data, f.Name, f.Data)
	}
	container := halfstack.Services(c.Halfstack)[0].Name
	var in scripts.Input = scripts.RolesInput{ManagerCommand: g.managerCommand(), IndexURL: c.Services.PackageIndex,
		DBContainer: container, DBName: g.set.DBName, PlaneDB: db, FixturesSHA256: checksum(data...)}
	if semver.Compare("v"+c.Line(), "v26.9") < 0 {
		in = scripts.UserRolesInput{ManagerCommand: g.managerCommand(), DBContainer: container, DBName: g.set.DBName,
			PlaneDB: db, FixturesSHA256: checksum(data...)}
	}
	roles, err := g.run("roles", in, nil, g.fixtures...)
	if err != nil {
		return err
	}
	g.fixtures = []pulumi.Resource{roles}
	return nil
}

// storageVolumes: the storage proxy's volume directories.
func (g *managementNode) storageVolumes() (err error) {
	var paths []string
	for _, v := range g.set.StorageProxy.Volumes {
		paths = append(paths, v.Path)
	}
	g.volumes, err = g.run("volumes", scripts.VolumesInput{Paths: strings.Join(paths, " "), User: g.args.Cluster.Account.Name},
		nil, slices.Concat(g.args.Host.Ready, g.args.Storage)...)
	return err
}

// startServices: each service's unit, restarted when its config or unit changes, and
// only then.
func (g *managementNode) startServices() error {
	for _, svc := range configs.Services {
		in := g.services[svc.Name]
		deps := slices.Concat([]pulumi.Resource{in.pkg}, g.keyFiles, g.etcdKeys, g.fixtures, in.files)
		if g.keypair != nil {
			deps = append(deps, g.keypair)
		}
		if svc.Name == "storage-proxy" {
			deps = append(deps, g.volumes)
		}
		unit, err := g.unit(svc, g.set.Home, accountOf(g.args.Cluster), in.sum, deps...)
		if err != nil {
			return err
		}
		g.units = append(g.units, unit)
	}
	if g.gateway != nil {
		// Kept apart: the agents, the rescan and the cluster's checks need the manager,
		// not the Web UI's gateway, so they do not wait for it.
		svc := configs.GatewayService(g.args.Cluster.Services.GraphQLGateway.Port)
		unit, err := g.unit(svc, g.set.Home, accountOf(g.args.Cluster), g.gatewaySum, g.gateway, g.units[0])
		if err != nil {
			return err
		}
		g.gatewayUnit = unit
	}
	return nil
}

// rescanImages: the kernel images and their aliases, once the registries' fixture is in
// and the manager runs.
func (g *managementNode) rescanImages() (err error) {
	if !g.shares() {
		return nil
	}
	svc := g.args.Cluster.Services
	aliases := slices.Sorted(maps.Keys(svc.ImageAliases))
	for i, a := range aliases {
		aliases[i] = a + " " + svc.ImageAliases[a]
	}
	g.rescan, err = g.run("image-rescan", scripts.RescanInput{ManagerCommand: g.managerCommand(),
		Targets: strings.Join(g.args.Cluster.RescanTargets(), " "), Aliases: strings.Join(aliases, "\n")},
		nil, slices.Concat(g.units, g.fixtures)...)
	return err
}

// verify: the services answer; the deployment is done when they work. It runs again
// when any service's files or the release change.
func (g *managementNode) verify() (*remote.Script, error) {
	s := g.set
	in := scripts.VerifyInput{
		ManagerURL: s.Manager.HTTP(), WebserverURL: s.WebserverURL(),
		StorageProxyURL: configs.Addr{Host: g.args.Node.Address, Port: s.StorageProxy.ManagerPort}.HTTP(),
		Version:         g.args.Cluster.Version, ConfigSHA256: g.sum(),
	}
	if port := s.Webserver.GatewayPort; port > 0 {
		in.GatewayURL = configs.Addr{Host: "127.0.0.1", Port: port}.HTTP()
	}
	if g.appProxyUnits != nil {
		a := g.appProxySettings()
		in.CoordinatorURL, in.WorkerURL = s.URL(a.Coordinator()), s.URL(configs.Addr{Host: a.Host, Port: a.WorkerPort})
	}
	if s.TLS != nil {
		in.CAFile = s.TLS.Cert
	}
	deps := append([]pulumi.Resource{g.rescan}, g.appProxyUnits...)
	if g.rescan == nil { // the plane's other nodes: their own services
		deps = slices.Clone(g.units)
	}
	if g.gatewayUnit != nil {
		deps = append(deps, g.gatewayUnit)
	}
	return g.run("verify", in, nil, deps...)
}

// sum is every service's checksum: what the services were started with.
func (g *managementNode) sum() string {
	sums := make([]string, 0, len(configs.Services)+1)
	for _, svc := range configs.Services {
		sums = append(sums, g.services[svc.Name].sum)
	}
	if g.gateway != nil {
		sums = append(sums, g.gatewaySum)
	}
	sums = append(sums, g.appProxySum...)
	return strings.Join(sums, ",")
}
