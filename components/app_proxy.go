package components

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/configs"
	"github.com/backendai-infra/backendai-infra/internal/halfstack"
	"github.com/backendai-infra/backendai-infra/internal/scripts"
	"github.com/backendai-infra/backendai-infra/sdk/go/backendai"
	"github.com/backendai-infra/backendai-infra/sdk/go/backendai/db"
)

// appProxySecretNames are the App Proxy's generated secrets: its role's database
// password, the token its workers and the manager's resource groups present, the key
// that signs its redirects and the key of its app cookie.
var appProxySecretNames = []string{"db-password", "api", "jwt", "permit"}

// appProxySettings are the App Proxy's settings on the management node.
func (g *managementNode) appProxySettings() configs.AppProxy {
	ap, n := g.args.Cluster.Services.AppProxy, g.args.Node
	a := configs.AppProxy{DBName: "appproxy", DBUser: "appproxy", CoordinatorPort: ap.CoordinatorPort, WorkerPort: ap.WorkerPort,
		Host: n.Address, Authority: n.Name}
	if len(ap.PortRange) == 2 {
		a.PortRange = [2]int{ap.PortRange[0], ap.PortRange[1]}
	}
	return a
}

// appProxy: the App Proxy the Web UI opens sessions' apps through (Backend.AI's
// installer, install_appproxy_db and configure_appproxy): its secrets, generated once;
// its database and role; the coordinator's and the worker's packages of the release in
// their venvs, and their files; the coordinator's schema; both under systemd; and the
// cluster's resource group pointed at the coordinator (scaling_groups.wsproxy_addr and
// wsproxy_api_token, the manager's only way to find it).
func (g *managementNode) appProxy() error {
	c, s := g.args.Cluster, g.set
	if !c.Services.AppProxy.On() {
		return nil
	}
	a := g.appProxySettings()
	generated, err := backendai.NewSecrets(g.ctx, g.name+"-app-proxy-secrets",
		&backendai.SecretsArgs{Names: pulumi.ToStringArray(appProxySecretNames)}, pulumi.Parent(g.parent))
	if err != nil {
		return fmt.Errorf("%s: the App Proxy's secrets: %w", g.name, err)
	}
	secret := func(name string) pulumi.StringOutput {
		return pulumi.ToSecret(generated.Values.MapIndex(pulumi.String(name))).(pulumi.StringOutput)
	}
	database, err := g.run("app-proxy-db", scripts.AppProxyDBInput{DBContainer: halfstack.Services(c.Halfstack)[0].Name,
		DB: a.DBName, User: a.DBUser}, pulumi.StringMap{"APPPROXY_DB_PASSWORD": secret("db-password")}, g.half...)
	if err != nil {
		return err
	}
	fileSecrets := pulumi.ToSecret(generated.Values.ApplyT(func(v map[string]string) map[string]string {
		return configs.SlotEnv(configs.AppProxySecretValues(v["db-password"], v["api"], v["jwt"], v["permit"]))
	})).(pulumi.StringMapOutput)

	coordinator, worker := configs.AppProxyServices(a)
	render := map[string][]struct {
		step, name string
		render     func(configs.Settings, configs.AppProxy) (configs.File, error)
	}{
		coordinator.Name: {{"config", coordinator.Config, configs.AppProxyCoordinatorTOML}, {"alembic", "alembic-appproxy.ini", configs.AppProxyAlembicINI}},
		worker.Name:      {{"config", worker.Config, configs.AppProxyWorkerTOML}},
	}
	var schema pulumi.Resource
	var units []pulumi.Resource
	for _, svc := range []configs.Service{coordinator, worker} {
		pkg, err := g.install(svc.Name+"-package", c, svc.Dir(s.Home), g.interpreter, svc.Package, c.Version, g.python)
		if err != nil {
			return err
		}
		files, sum := []pulumi.Resource{pkg}, []string{c.Version}
		var ini configs.File
		for _, f := range render[svc.Name] {
			rendered, err := f.render(s, a)
			if err != nil {
				return fmt.Errorf("%s: %s: %w", g.name, f.name, err)
			}
			st, err := g.file(svc.Name+"-"+f.step, path.Join(svc.Dir(s.Home), f.name), c.Account.Name, rendered, fileSecrets, pkg)
			if err != nil {
				return err
			}
			files, sum = append(files, st), append(sum, rendered.Text+rendered.SlotList())
			if f.step == "alembic" {
				ini = rendered
			}
		}
		if g.tlsSum != "" { // both serve HTTPS
			files, sum = append(files, g.tls...), append(sum, g.tlsSum)
		}
		after := slices.Concat(files, g.half, units)
		if svc.Name == coordinator.Name {
			iniSum := sha256.Sum256([]byte(ini.Text))
			// The password goes in too, unused: a message of alembic's that repeats the
			// database URL is scrubbed of it.
			schema, err = g.run("app-proxy-schema", scripts.AppProxySchemaInput{Dir: svc.Dir(s.Home), User: c.Account.Name,
				Version: c.Version, AlembicSHA256: hex.EncodeToString(iniSum[:])}, fileSecrets, append(slices.Clip(files), database)...)
			if err != nil {
				return err
			}
			after = append(after, schema)
		}
		// Stopped when its step goes (the App Proxy turned off), as a pool's agent is.
		unit, err := g.stoppedUnit(svc, s.Home, accountOf(c), checksum(sum...), after...)
		if err != nil {
			return err
		}
		units = append(units, unit)
		g.appProxySum = append(g.appProxySum, checksum(sum...))
	}
	groups, err := g.appProxyGroups(a, secret("api"))
	if err != nil {
		return err
	}
	g.appProxyUnits = append(units, groups)
	return nil
}

// appProxyGroups points the cluster's resource group at the coordinator: an update of
// its scaling_groups row (Backend.AI's installer, configure_appproxy_fixture), once the
// fixtures have made it.
func (g *managementNode) appProxyGroups(a configs.AppProxy, token pulumi.StringOutput) (pulumi.Resource, error) {
	c, s := g.args.Cluster, g.set
	text := token.ApplyT(func(token string) (string, error) {
		raw, err := json.Marshal(map[string]any{"__mode": "update", "scaling_groups": []map[string]any{{
			"name": c.Agent.ResourceGroup, "wsproxy_addr": g.set.URL(a.Coordinator()), "wsproxy_api_token": token,
		}}})
		return string(raw), err
	}).(pulumi.StringOutput)
	args := db.FixtureArgs{Connection: dbConnection(s.DB.Host, s.DB.Port, s.DBUser, g.args.DBPassword, s.DBName, g.conn),
		BackendaiVersion: pulumi.String(c.Version), Source: pulumi.StringPtr("the App Proxy's resource group")}
	if !c.Halfstack.DeleteDataOnDestroy {
		args.KeepOnDelete = pulumi.BoolPtr(true)
	}
	return fixture(g.ctx, g.name+"-fixture-app-proxy", args, text, pulumi.Parent(g.parent), pulumi.DependsOn(g.fixtures))
}
