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

	"github.com/backendai-infra/backendai-infra/infra/configs"
	"github.com/backendai-infra/backendai-infra/infra/data"
	"github.com/backendai-infra/backendai-infra/infra/halfstack"
	"github.com/backendai-infra/backendai-infra/infra/remote"
	"github.com/backendai-infra/backendai-infra/infra/scripts"
	"github.com/backendai-infra/backendai-infra/infra/spec"
)

// ManagementNodeType is the ManagementNode component's type token.
const ManagementNodeType = "backendai:index:ManagementNode"

// FixtureFile is one of Backend.AI's fixture files, applied in the order given.
type FixtureFile struct {
	// Name names its resource; Source names the file in messages.
	Name, Source string
	Data         string
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
	// Fixtures are applied in order after the halfstack is healthy.
	Fixtures []FixtureFile
}

// ManagementNode is the management node's halfstack, shared configuration in etcd,
// database schema and fixtures, and the manager, storage proxy and webserver (seed 002,
// steps 3–22), in the guide's order: halfstack healthy → etcd keys → schema → fixtures
// → services → image rescan. Each is a dependency of the next, not a wait.
type ManagementNode struct {
	pulumi.ResourceState

	// Settings are the values its service files were rendered from.
	Settings configs.Settings
	// Services is what the services answered once deployed (verify.sh), as JSON: the
	// manager's API with its release, the Web UI's title, the storage proxy's status.
	Services pulumi.StringOutput
}

// Settings derives the service files' settings from the cluster: the halfstack on the
// node's own published ports, the manager at the node's address.
func Settings(c spec.Cluster, n spec.Node) configs.Settings {
	h := c.Halfstack
	return configs.Settings{
		Line: c.Line(), Namespace: "local",
		Etcd:   configs.Addr{Host: "127.0.0.1", Port: h.Ports.Etcd},
		DB:     configs.Addr{Host: "127.0.0.1", Port: h.Ports.Postgres},
		Redis:  configs.Addr{Host: "127.0.0.1", Port: h.Ports.Redis},
		DBName: halfstack.Database, DBUser: "postgres",
		Home:    path.Join("/home", c.Account.Name),
		Manager: configs.Addr{Host: n.Address, Port: c.Services.ManagerPort}, ManagerInternalPort: spec.ManagerInternalPort,
		// As install-dev and the TUI installer set it: num-proc may not exceed the CPUs.
		NumProc: 1,
		StorageProxy: configs.StorageProxy{Name: "local", NodeID: "i-" + n.Name, ClientPort: spec.StorageProxyClientPort, ManagerPort: spec.StorageProxyManagerPort,
			Volumes: []configs.Volume{{Name: "volume1", Backend: "vfs", Path: "/vfroot/local"}}},
		Webserver: configs.Webserver{Port: c.Services.Webserver.Port, Domain: "default",
			Title: c.Services.Webserver.Title, MaxSessionAge: 604800},
	}
}

// NewManagementNode builds the management node on its host.
func NewManagementNode(ctx *pulumi.Context, name string, args ManagementNodeArgs, opts ...pulumi.ResourceOption) (*ManagementNode, error) {
	c, n := args.Cluster, args.Node
	for _, secret := range []struct {
		field string
		value pulumi.StringInput
	}{{"DBPassword", args.DBPassword}, {"StorageProxySecret", args.StorageProxySecret}, {"StorageProxyJWT", args.StorageProxyJWT}} {
		if secret.value == nil {
			return nil, fmt.Errorf("management node %s: %s is required", name, secret.field)
		}
	}
	if e := c.Halfstack.Engine; e != spec.EngineDocker && e != spec.EngineScript {
		return nil, fmt.Errorf("management node %s: halfstack.engine %q is not %q or %q", name, e, spec.EngineDocker, spec.EngineScript)
	}
	s := Settings(c, n)
	if err := s.Check(); err != nil {
		return nil, fmt.Errorf("management node %s: %w", name, err)
	}
	m := &ManagementNode{Settings: s}
	if err := ctx.RegisterComponentResource(ManagementNodeType, name, m, opts...); err != nil {
		return nil, err
	}
	conn := args.Host.Connection
	step := func(suffix, script string, env map[string]string, secret pulumi.StringMapInput, deps ...pulumi.Resource) (*remote.Script, error) {
		st, err := remote.NewScript(ctx, name+"-"+suffix, remote.ScriptArgs{
			Connection: conn, Script: script, Environment: pulumi.ToStringMap(env), SecretEnvironment: secret,
		}, pulumi.Parent(m), pulumi.DependsOn(deps))
		if err != nil {
			return nil, fmt.Errorf("management node %s: step %s: %w", name, suffix, err)
		}
		return st, nil
	}

	// 1. The halfstack, healthy.
	var half []pulumi.Resource
	if c.Halfstack.Engine == spec.EngineDocker {
		h, err := NewHalfstack(ctx, name+"-halfstack", HalfstackArgs{Node: n, Spec: c.Halfstack, DBPassword: args.DBPassword, DependsOn: args.Host.Ready}, pulumi.Parent(m))
		if err != nil {
			return nil, err
		}
		for _, ct := range h.Containers {
			half = append(half, ct)
		}
	} else {
		st, err := step("halfstack", scripts.Halfstack, halfstack.ScriptEnv(halfstack.Services(c.Halfstack)),
			pulumi.StringMap{"POSTGRES_PASSWORD": args.DBPassword}, args.Host.Ready...)
		if err != nil {
			return nil, err
		}
		half = []pulumi.Resource{st}
	}

	// 2. etcd: the shared configuration and the storage proxy, through the node.
	etcd := data.EtcdConnection{Endpoints: []string{s.Etcd.String()}, Via: &conn}
	within := []pulumi.ResourceOption{pulumi.Parent(m), pulumi.DependsOn(half)}
	configTree, err := data.NewKeyTree(ctx, name+"-etcd-config", data.KeyTreeArgs{
		Connection: etcd, Namespace: s.Namespace, Prefix: "config",
		Value: map[string]any{
			// Agents and storage proxies on other nodes reach Redis at the node's address.
			"redis":  map[string]any{"addr": configs.Addr{Host: n.Address, Port: c.Halfstack.Ports.Redis}.String()},
			"docker": map[string]any{"image": map[string]any{"auto_pull": "tag"}},
			"api":    map[string]any{"allow-openapi-schema-introspection": "no", "allow-graphql-schema-introspection": "no"},
		},
	}, within...)
	if err != nil {
		return nil, err
	}
	volumesTree, err := data.NewKeyTree(ctx, name+"-etcd-volumes", data.KeyTreeArgs{
		Connection: etcd, Namespace: s.Namespace, Prefix: "volumes",
		Value:       configs.VolumesTree(s, n.Address),
		SecretValue: configs.SecretVolumesTree(s, args.StorageProxySecret),
	}, within...)
	if err != nil {
		return nil, err
	}
	etcdKeys := []pulumi.Resource{configTree, volumesTree}

	// 3. Python, then per service its package and its files.
	py := c.Services.Python
	python, err := step("python", scripts.Python, map[string]string{"PYTHON_SOURCE": py.Source, "PYTHON_URL": py.URL,
		"PYTHON_SHA256": py.SHA256, "PYTHON_VERSION": py.Version, "BAI_USER": c.Account.Name}, nil, args.Host.Ready...)
	if err != nil {
		return nil, err
	}
	interpreter := "/usr/bin/python3"
	if py.Source == "standalone" {
		interpreter = path.Join(s.Home, ".static-python/versions", py.Version, "bin/python3")
	}
	secrets := pulumi.All(args.DBPassword, args.StorageProxySecret, args.StorageProxyJWT).ApplyT(func(v []any) map[string]string {
		out := map[string]string{}
		for placeholder, value := range configs.SecretValues(v[0].(string), v[1].(string), v[2].(string)) {
			out[placeholder[1:len(placeholder)-1]] = value // BACKENDAI_... without the @s
		}
		return out
	}).(pulumi.StringMapOutput)
	render := map[string]func(configs.Settings) (configs.File, error){
		"manager": configs.ManagerTOML, "storage-proxy": configs.StorageProxyTOML, "webserver": configs.WebserverConf,
	}
	// installed is one service's package and files, and their checksum.
	type installed struct {
		pkg   *remote.Script
		files []pulumi.Resource
		sum   string
	}
	// The manager's alembic.ini, which its schema steps read.
	ini, err := configs.AlembicINI(s)
	if err != nil {
		return nil, err
	}
	services := map[string]installed{}
	for _, svc := range configs.Services {
		pkg, err := step(svc.Name+"-package", scripts.Packages, map[string]string{"SERVICE_DIR": svc.Dir(s.Home),
			"PYTHON": interpreter, "PACKAGE": svc.Package, "VERSION": c.Version, "INDEX_URL": c.Services.PackageIndex,
			"BAI_USER": c.Account.Name}, nil, python)
		if err != nil {
			return nil, err
		}
		rendered, err := render[svc.Name](s)
		if err != nil {
			return nil, err
		}
		// The service's files, each installed by its own step: its config, and for the
		// manager the alembic.ini its schema steps read.
		type file struct {
			step, name string
			configs.File
		}
		files := []file{{svc.Name + "-config", svc.Config, rendered}}
		if svc.Name == "manager" {
			files = append(files, file{svc.Name + "-alembic", "alembic.ini", ini})
		}
		in := installed{pkg: pkg}
		sum := sha256.New()
		for _, f := range files {
			// Only files with placeholders get the secrets: a change of one secret then
			// reruns only the steps that use it.
			var secret pulumi.StringMapInput
			if len(f.Slots) > 0 {
				secret = secrets
			}
			cfg, err := step(f.step, scripts.Config, map[string]string{"CONFIG_PATH": path.Join(svc.Dir(s.Home), f.name),
				"CONFIG_TEXT": f.Text, "CONFIG_SLOTS": f.SlotList(), "CONFIG_OWNER": c.Account.Name, "CONFIG_MODE": "0600"}, secret, pkg)
			if err != nil {
				return nil, err
			}
			sum.Write([]byte(f.Text + f.SlotList()))
			in.files = append(in.files, cfg)
		}
		in.sum = hex.EncodeToString(sum.Sum(nil))
		services[svc.Name] = in
	}

	// 4. The manager's RPC keypair and the schema, once the etcd keys are in.
	mgr := services["manager"]
	// The backend.ai command's steps run in the manager's directory, as its account.
	managerEnv := func(extra map[string]string) map[string]string {
		env := map[string]string{"MANAGER_DIR": s.ManagerDir(), "BAI_USER": c.Account.Name, "VERSION": c.Version}
		maps.Copy(env, extra)
		return env
	}
	keypair, err := step("rpc-keypair", scripts.RPCKeypair, managerEnv(nil), nil, mgr.pkg)
	if err != nil {
		return nil, err
	}
	iniSum := sha256.Sum256([]byte(ini.Text))
	// It runs again when the release or alembic.ini changes: then it may have to migrate.
	schema, err := step("schema", scripts.Schema, managerEnv(map[string]string{"ALEMBIC_SHA256": hex.EncodeToString(iniSum[:])}),
		nil, slices.Concat(half, etcdKeys, mgr.files)...)
	if err != nil {
		return nil, err
	}

	// 5. Fixtures, each after the one before (their rows refer to each other).
	db := data.DBConnection{Host: s.DB.Host, Port: s.DB.Port, User: s.DBUser, Password: args.DBPassword, Database: s.DBName, Via: &conn}
	prev := []pulumi.Resource{schema}
	for _, f := range args.Fixtures {
		fx, err := data.NewFixture(ctx, name+"-fixture-"+f.Name, data.FixtureArgs{
			Connection: db, Version: c.Version, Data: pulumi.String(f.Data), Source: f.Source,
			// The rows are the cluster's data, kept like its volumes unless the stack asks.
			KeepOnDelete: !c.Halfstack.DeleteDataOnDestroy,
		}, pulumi.Parent(m), pulumi.DependsOn(prev))
		if err != nil {
			return nil, err
		}
		prev = []pulumi.Resource{fx}
	}
	populated := prev

	// 6. The storage proxy's volumes, then each service's unit, restarted when its config
	// or unit changes, and only then.
	var volumePaths []string
	for _, v := range s.StorageProxy.Volumes {
		volumePaths = append(volumePaths, v.Path)
	}
	volumes, err := step("volumes", scripts.Volumes, map[string]string{"VOLUME_PATHS": strings.Join(volumePaths, " "),
		"BAI_USER": c.Account.Name}, nil, args.Host.Ready...)
	if err != nil {
		return nil, err
	}
	account := configs.Account{Name: c.Account.Name, UID: c.Account.UID, GID: c.Account.GID}
	var units []pulumi.Resource
	for _, svc := range configs.Services {
		in := services[svc.Name]
		deps := slices.Concat([]pulumi.Resource{in.pkg, keypair}, etcdKeys, populated, in.files)
		if svc.Name == "storage-proxy" {
			deps = append(deps, volumes)
		}
		unit, err := step(svc.Name+"-service", scripts.ServiceUnit, map[string]string{"SERVICE": svc.Name,
			"UNIT_TEXT": svc.UnitFile(s.Home, account), "RUN_SCRIPT": path.Join(s.Home, "bin", "run-"+svc.Name+".sh"),
			"RUN_SCRIPT_TEXT": svc.RunScript(s.Home), "BAI_USER": c.Account.Name,
			"CONFIG_SHA256": in.sum}, nil, deps...)
		if err != nil {
			return nil, err
		}
		units = append(units, unit)
	}

	// 7. The kernel images and their aliases, once the registries' fixture is in and the
	// manager runs.
	aliases := slices.Sorted(maps.Keys(c.Services.ImageAliases))
	for i, a := range aliases {
		aliases[i] = a + " " + c.Services.ImageAliases[a]
	}
	rescan, err := step("image-rescan", scripts.Rescan, managerEnv(map[string]string{
		"IMAGE_REGISTRIES": strings.Join(c.Services.ImageRegistries, " "), "IMAGE_ALIASES": strings.Join(aliases, "\n")}),
		nil, slices.Concat(units, populated)...)
	if err != nil {
		return nil, err
	}

	// 8. The services answer: the deployment is done when they work. It runs again when
	// any service's files or the release change.
	sums := make([]string, 0, len(configs.Services))
	for _, svc := range configs.Services {
		sums = append(sums, services[svc.Name].sum)
	}
	verify, err := step("verify", scripts.Verify, map[string]string{
		"MANAGER_URL": s.Manager.HTTP(), "WEBSERVER_URL": s.WebserverAddr().HTTP(),
		"STORAGE_PROXY_URL": configs.Addr{Host: n.Address, Port: s.StorageProxy.ManagerPort}.HTTP(),
		"VERSION":           c.Version, "CONFIG_SHA256": strings.Join(sums, ","),
	}, nil, rescan)
	if err != nil {
		return nil, err
	}
	m.Services = verify.Stdout
	return m, ctx.RegisterResourceOutputs(m, pulumi.Map{"services": m.Services})
}
