package spec

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/backendai-infra/backendai-infra/tests/sshkey"
	"github.com/backendai-infra/backendai-infra/tests/tlscert"
)

// baseConfig is a valid two-node cluster, as raw config values.
func baseConfig(t *testing.T) map[string]string {
	key, hostKey := sshkey.New(t)
	return map[string]string{
		"nodes": `[
			{"name": "bai-m1", "address": "10.20.30.10", "roles": ["manager", "storage"],
			 "ssh": {"hostKey": "` + hostKey + `"}},
			{"name": "bai-a01", "address": "10.20.30.20", "roles": ["agent"], "ssh": {"port": 2222, "user": "ubuntu"}}
		]`,
		"sshPrivateKey":      key,
		"dbPassword":         "hunter2-db-password",
		"storageProxySecret": "hunter2-proxy-secret",
		"storageProxyJWT":    "hunter2-proxy-jwt",
	}
}

// load loads cfg as a stack that sets exactly these keys of the project's namespace.
func load(cfg map[string]string) (Cluster, error) {
	var set []string
	for k := range cfg {
		set = append(set, Namespace+":"+k)
	}
	return Load(func(k string) (string, bool) { v, ok := cfg[k]; return v, ok }, set)
}

func TestLoadDefaults(t *testing.T) {
	c, err := load(baseConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != DefaultVersion || c.Account != (Account{"bai", 1100, 1100}) ||
		c.Limits != (Limits{512000, 65536}) || c.Docker.Source != DockerCE {
		t.Errorf("defaults not applied: %+v", c)
	}
	if got := c.Nodes[0].SSH; got.Host != "10.20.30.10" || got.Port != 22 || got.User != "root" {
		t.Errorf("ssh defaults: %+v", got)
	}
	if got := c.Nodes[1].SSH; got.Port != 2222 || got.User != "ubuntu" {
		t.Errorf("ssh overrides lost: %+v", got)
	}
	if c.Agent.ResourceGroup != "default" || c.Agent.RPCPort != 6001 || c.Images.Engine != EngineDocker {
		t.Errorf("agent defaults: %+v %+v", c.Agent, c.Images)
	}
	// The OS preparation guide's 14 keys (DefaultSysctl), and the services' (the sessions'
	// and the apps') ports kept out of its ephemeral range.
	if len(c.Sysctl) != 15 || c.Sysctl["net.ipv4.ip_local_port_range"] != "10000 65000" ||
		c.Sysctl[ReservedPortsKey] != "4000,6001,6003,6007,6021-6022,8081,8090,8100,8110,8120,10200-10201,10205-10300,16023,18080,30000-31000,38100,38200,38300,39100,39200,39300,40128,48510,48610,49510,49610" {
		t.Errorf("sysctl defaults: %v", c.Sysctl)
	}
	if c.Manager().Name != "bai-m1" {
		t.Errorf("manager = %q", c.Manager().Name)
	}
}

func TestSysctlOverrides(t *testing.T) {
	cfg := baseConfig(t)
	cfg["sysctl"] = `{"net.core.somaxconn": 4096, "vm.swappiness": "10", "fs.file-max": null}`
	c, err := load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.Sysctl["net.core.somaxconn"] != "4096" || c.Sysctl["vm.swappiness"] != "10" {
		t.Errorf("overrides not merged: %v", c.Sysctl)
	}
	if _, ok := c.Sysctl["fs.file-max"]; ok {
		t.Error("null did not drop fs.file-max")
	}
}

func TestLoadRejects(t *testing.T) {
	_, hostKey := sshkey.New(t)
	node := func(name, addr, roles string) string {
		return `{"name":"` + name + `","address":"` + addr + `","roles":[` + roles + `]}`
	}
	agent := node("bai-a01", "10.0.0.2", `"agent"`)
	tests := []struct {
		name  string
		set   map[string]string
		field string // the error must name this field
		want  string // and say this
	}{
		{"no nodes", map[string]string{"nodes": `[]`}, "nodes", "at least one node"},
		{"missing name", map[string]string{"nodes": `[` + node("", "10.0.0.1", `"manager","agent"`) + `]`}, "nodes[0].name", "required"},
		{"bad name", map[string]string{"nodes": `[` + node("Bai_M1", "10.0.0.1", `"manager","agent"`) + `]`}, "nodes[0].name", "not a host name"},
		{"duplicate name", map[string]string{"nodes": `[` + node("bai-a01", "10.0.0.1", `"manager"`) + `,` + agent + `]`}, "nodes[1].name", "already the name of nodes[0]"},
		{"missing address", map[string]string{"nodes": `[` + node("m", "", `"manager","agent"`) + `]`}, "nodes[0].address", "required"},
		{"bad address", map[string]string{"nodes": `[` + node("m", "10.0.0.300", `"manager"`) + `,` + agent + `]`}, "nodes[0].address", "not an IP address"},
		{"duplicate address", map[string]string{"nodes": `[` + node("m", "10.0.0.2", `"manager"`) + `,` + agent + `]`}, "nodes[1].address", "already the address of nodes[0]"},
		{"loopback in a multi-node cluster", map[string]string{"nodes": `[` + node("m", "127.0.0.1", `"manager"`) + `,` + agent + `]`}, "nodes[0].address", "loopback"},
		{"unknown role", map[string]string{"nodes": `[` + node("m", "10.0.0.1", `"manager","agnet"`) + `,` + agent + `]`}, "nodes[0].roles[1]", `unknown role "agnet"`},
		{"no roles", map[string]string{"nodes": `[` + node("m", "10.0.0.1", ``) + `,` + agent + `]`}, "nodes[0].roles", "at least one of"},
		{"role twice", map[string]string{"nodes": `[` + node("m", "10.0.0.1", `"manager","manager"`) + `,` + agent + `]`}, "nodes[0].roles[1]", "listed twice"},
		{"no manager", map[string]string{"nodes": `[` + agent + `]`}, "nodes", `the role "manager" must be on one node, or on an odd number of nodes from 3`},
		{"two managers", map[string]string{"nodes": `[` + node("m1", "10.0.0.1", `"manager"`) + `,` + node("m2", "10.0.0.3", `"manager","agent"`) + `]`}, "nodes", "found 2"},
		{"three managers and the App Proxy", map[string]string{"nodes": `[` + node("m1", "10.0.0.1", `"manager"`) + `,` + node("m2", "10.0.0.3", `"manager"`) + `,` + node("m3", "10.0.0.4", `"manager"`) + `,` + agent + `]`}, "services.appProxy.enabled", "single management node only"},
		{"three managers before 26.4.8", map[string]string{"version": "26.4.7", "services": `{"appProxy":{"enabled":false}}`, "nodes": `[` + node("m1", "10.0.0.1", `"manager"`) + `,` + node("m2", "10.0.0.3", `"manager"`) + `,` + node("m3", "10.0.0.4", `"manager"`) + `,` + agent + `]`}, "version", "need 26.4.8 or later"},
		{"no agent", map[string]string{"nodes": `[` + node("m", "10.0.0.1", `"manager","storage"`) + `]`}, "nodes", `role "agent"`},
		{"ssh port out of range", map[string]string{"nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager","agent"],"ssh":{"port":70000}}]`}, "nodes[0].ssh.port", "outside 1..65535"},
		{"ssh port not a number", map[string]string{"nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager","agent"],"ssh":{"port":"22"}}]`}, "nodes[0].ssh.port", "expected a number, got string"},
		{"bad ssh host", map[string]string{"nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager","agent"],"ssh":{"host":"bad host!"}}]`}, "nodes[0].ssh.host", "neither an IP address nor a host name"},
		{"bad ssh user", map[string]string{"nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager","agent"],"ssh":{"user":"Root User"}}]`}, "nodes[0].ssh.user", "not a valid user name"},
		{"bad host key", map[string]string{"nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager","agent"],"ssh":{"hostKey":"ssh-ed25519 notbase64"}}]`}, "nodes[0].ssh.hostKey", "authorized_keys form"},
		{"two host keys", map[string]string{"nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager","agent"],"ssh":{"hostKey":"` + hostKey + `\n` + hostKey + `"}}]`}, "nodes[0].ssh.hostKey", "not one public key"},
		{"unknown node field", map[string]string{"nodes": `[` + agent + `,{"name":"m","adress":"10.0.0.1"}]`}, "nodes[1].adress", `unknown field (did you mean "address"?)`},
		{"unknown ssh field", map[string]string{"nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager","agent"],"ssh":{"prot":22}}]`}, "nodes[0].ssh.prot", `unknown field (did you mean "port"?)`},
		{"roles not a list", map[string]string{"nodes": `[` + agent + `,{"name":"m","address":"10.0.0.1","roles":"manager"}]`}, "nodes[1].roles", "expected a list, got string"},
		{"explicit ssh port 0", map[string]string{"nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager","agent"],"ssh":{"port":0}}]`}, "nodes[0].ssh.port", "0 is outside 1..65535"},
		{"explicit empty ssh user", map[string]string{"nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager","agent"],"ssh":{"user":""}}]`}, "nodes[0].ssh.user", `"" is not a valid user name`},
		{"explicit empty ssh host", map[string]string{"nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager","agent"],"ssh":{"host":""}}]`}, "nodes[0].ssh.host", "neither an IP address nor a host name"},
		{"ssh host a mistyped IP", map[string]string{"nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager","agent"],"ssh":{"host":"300.1.1.1"}}]`}, "nodes[0].ssh.host", `"300.1.1.1" is neither`},
		{"address with a zone", map[string]string{"nodes": `[{"name":"m","address":"fe80::1%eth0","roles":["manager","agent"]}]`}, "nodes[0].address", "has a zone"},
		{"explicit uid 0", map[string]string{"account": `{"uid":0}`}, "account.uid", "0 is outside 1000..59999"},
		{"explicit empty version", map[string]string{"version": ""}, "version", `"" is not a Backend.AI release`},
		{"explicit empty image", map[string]string{"halfstack": `{"images":{"redis":""}}`}, "halfstack.images.redis", "not an image reference"},
		{"explicit webserver port 0", map[string]string{"services": `{"webserver":{"port":0}}`}, "services.webserver.port", "0 is not a TCP port"},
		{"halfstack on the manager's port", map[string]string{"halfstack": `{"ports":{"etcd":8081}}`}, "services.managerPort", "port 8081 is also halfstack.ports.etcd (both listen on bai-m1)"},
		{"webserver on the storage proxy's port", map[string]string{"services": `{"webserver":{"port":6021}}`}, "the storage proxy's client port", "port 6021 is also services.webserver.port"},
		{"misspelt key", map[string]string{"fixture": `["a.json"]`}, "backendai-cluster:fixture", `unknown key (did you mean "fixtures"?)`},
		{"misspelt sysctl key", map[string]string{"sysctls": `{}`}, "backendai-cluster:sysctls", `unknown key (did you mean "sysctl"?)`},
		{"malformed version", map[string]string{"version": "26.4"}, "version", "not a Backend.AI release"},
		{"unsupported version line", map[string]string{"version": "25.15.12"}, "version", "release line 25.15 is not supported"},
		{"account is root", map[string]string{"account": `{"name":"root"}`}, "account.name", "cannot be root"},
		{"bad halfstack image", map[string]string{"halfstack": `{"images":{"postgres":"Postgres:16 alpine"}}`}, "halfstack.images.postgres", "not an image reference"},
		{"halfstack port out of range", map[string]string{"halfstack": `{"ports":{"redis":70000}}`}, "halfstack.ports.redis", "not a TCP port"},
		{"halfstack ports clash", map[string]string{"halfstack": `{"ports":{"redis":8100}}`}, "halfstack.ports.redis", "port 8100 is also halfstack.ports.postgres"},
		{"package index not a URL", map[string]string{"services": `{"packageIndex":"mirror.example"}`}, "services.packageIndex", "not an http(s) URL"},
		{"standalone python without a checksum", map[string]string{"services": `{"python":{"source":"standalone","url":"https://example.org/p.tar.gz","version":"3.13.7"}}`}, "services.python.sha256", "64 hex digits"},
		{"unknown python source", map[string]string{"services": `{"python":{"source":"pyenv"}}`}, "services.python.source", `"pyenv" is not one of`},
		{"uv python too old for the release", map[string]string{"services": `{"python":{"source":"uv","version":"3.12"}}`}, "services.python.version", "Python 3.12 cannot run Backend.AI 26.4.16, whose packages need Python 3.13"},
		{"standalone python too new for the release", map[string]string{"services": `{"python":{"source":"standalone","url":"https://example.org/p.tar.gz","sha256":"` + strings.Repeat("a", 64) + `","version":"3.14.1"}}`}, "services.python.version", "Python 3.14.1 cannot run"},
		{"uv python mirror not a URL", map[string]string{"services": `{"python":{"source":"uv","mirror":"mirror.example"}}`}, "services.python.mirror", "not an http(s) URL of a python-build-standalone mirror"},
		{"python mirror without uv", map[string]string{"services": `{"python":{"mirror":"https://mirror.example/pbs"}}`}, "services.python.mirror", `is for source "uv" only`},
		{"uv not a release", map[string]string{"services": `{"python":{"uv":"latest"}}`}, "services.python.uv", `"latest" is not a release of uv`},
		{"gateway registry not a URL", map[string]string{"services": `{"graphqlGateway":{"registry":"npm.example"}}`}, "services.graphqlGateway.registry", "not an http(s) URL of an npm registry"},
		{"gateway version not a release", map[string]string{"services": `{"graphqlGateway":{"version":"latest"}}`}, "services.graphqlGateway.version", `"latest" is not a release of @graphql-hive/gateway`},
		{"gateway port", map[string]string{"services": `{"graphqlGateway":{"port":70000}}`}, "services.graphqlGateway.port", "70000 is not a TCP port"},
		{"webserver on the manager's port", map[string]string{"services": `{"webserver":{"port":8081}}`}, "services.webserver.port", "port 8081 is also services.managerPort"},
		{"unknown halfstack field", map[string]string{"halfstack": `{"image":{}}`}, "halfstack.image", `unknown field (did you mean "images"?)`},
		{"bad account name", map[string]string{"account": `{"name":"9bai"}`}, "account.name", "not a valid user name"},
		{"uid too low", map[string]string{"account": `{"uid":999}`}, "account.uid", "999 is outside 1000..59999"},
		{"gid too high", map[string]string{"account": `{"gid":65534}`}, "account.gid", "65534 is outside"},
		{"nofile above nr_open", map[string]string{"limits": `{"nofile":2000000}`}, "limits.nofile", "outside 1024..1048576"},
		{"nproc too low", map[string]string{"limits": `{"nproc":10}`}, "limits.nproc", "below 1024"},
		{"malformed sysctl key", map[string]string{"sysctl": `{"somaxconn":"1024"}`}, "sysctl", `"somaxconn" is not a sysctl key`},
		{"sysctl key with a slash", map[string]string{"sysctl": `{"net/core/somaxconn":"1024"}`}, "sysctl", "not a sysctl key"},
		{"empty sysctl value", map[string]string{"sysctl": `{"net.core.somaxconn":" "}`}, "sysctl.net.core.somaxconn", "value is empty"},
		{"multi-line sysctl value", map[string]string{"sysctl": `{"net.core.somaxconn":"1\n2"}`}, "sysctl.net.core.somaxconn", "one line"},
		{"sysctl value of a wrong type", map[string]string{"sysctl": `{"net.core.somaxconn":true}`}, "sysctl.net.core.somaxconn", "string, a number or null"},
		{"unknown docker source", map[string]string{"docker": `{"source":"snap"}`}, "docker.source", `"snap" is not one of`},
		{"missing private key", map[string]string{"sshPrivateKey": ""}, "sshPrivateKey", "is required"},
		{"not a private key", map[string]string{"sshPrivateKey": "hunter2-not-a-key"}, "sshPrivateKey", "not a private key"},
		{"no database password", map[string]string{"dbPassword": ""}, "dbPassword", "required to deploy the services"},
		{"short storage proxy secret", map[string]string{"storageProxySecret": "hunter2"}, "storageProxySecret", "too short"},
		{"two-line JWT secret", map[string]string{"storageProxyJWT": "hunter2-first\nsecond"}, "storageProxyJWT", "one line"},
		{"unknown deploy", map[string]string{"deploy": "services"}, "deploy", `"services" is not one of "all", "hosts"`},
		{"unknown halfstack engine", map[string]string{"halfstack": `{"engine":"compose"}`}, "halfstack.engine", `"compose" is not one of`},
		{"unknown halfstack engine, hosts only", map[string]string{"deploy": "hosts", "halfstack": `{"engine":"compose"}`}, "halfstack.engine", `"compose" is not one of`},
		{"empty fixture path", map[string]string{"fixtures": `["fixtures/users.json", " "]`}, "fixtures[1]", "is empty"},
		{"fixtures not a list", map[string]string{"fixtures": `"fixtures/users.json"`}, "fixtures", "expected a list"},
		{"bad image alias target", map[string]string{"services": `{"imageAliases":{"python":"python 3.13"}}`}, "services.imageAliases.python", "not an image reference"},
		{"bad image alias", map[string]string{"services": `{"imageAliases":{"py thon":"cr.backend.ai/stable/python:3.13"}}`}, "services.imageAliases", `"py thon" is not an alias`},
		{"bad image registry", map[string]string{"services": `{"imageRegistries":["https://cr.backend.ai"]}`}, "services.imageRegistries[0]", "not a registry name"},
		{"accelerator on a node without the agent role", map[string]string{"nodes": `[` + agent + `,{"name":"m","address":"10.0.0.1","roles":["manager"],"accelerators":[{"kind":"mock"}]}]`}, "nodes[1].accelerators[0]", `no role "agent"`},
		{"unknown accelerator kind", map[string]string{"nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager","agent"],"accelerators":[{"kind":"cuda"}]}]`}, "nodes[0].accelerators[0].kind", `unknown kind "cuda"`},
		{"misspelt accelerator kind", map[string]string{"nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager","agent"],"accelerators":[{"kind":"nvidai"}]}]`}, "nodes[0].accelerators[0].kind", `did you mean "nvidia"?`},
		{"plugin without a module", map[string]string{"nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager","agent"],"accelerators":[{"kind":"plugin","package":"backend.ai-accelerator-rocm"}]}]`}, "nodes[0].accelerators[0].module", "not a Python module name"},
		{"mock with 0 devices", map[string]string{"nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager","agent"],"accelerators":[{"kind":"mock","devices":0}]}]`}, "nodes[0].accelerators[0].devices", "0 is outside 1..16"},
		{"the same accelerator twice", map[string]string{"nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager","agent"],"accelerators":[{"kind":"mock"},{"kind":"mock"}]}]`}, "nodes[0].accelerators[1]", "the same plugin as nodes[0].accelerators[0]"},
		{"agent without Docker", map[string]string{"nodes": `[` + node("m", "10.0.0.1", `"manager","storage"`) + `,{"name":"a","address":"10.0.0.2","roles":["agent"],"docker":false}]`}, "nodes[1].docker", `the role "agent" runs containers in Docker`},
		{"duplicate image", map[string]string{"images": `{"pull":["cr.backend.ai/stable/python:3.13","cr.backend.ai/stable/python:3.13"]}`}, "images.pull[1]", `is already images.pull[0]`},
		{"bad image", map[string]string{"images": `{"pull":["python 3"]}`}, "images.pull[0]", "not an image reference"},
		{"unknown image engine", map[string]string{"images": `{"engine":"podman"}`}, "images.engine", `"podman" is not one of`},
		{"port range backwards", map[string]string{"agent": `{"portRange":[31000,30000]}`}, "agent.portRange", "not a range"},
		{"port range holding the RPC port", map[string]string{"agent": `{"rpcPort":30500}`}, "agent.portRange", "holds agent.rpcPort (30500)"},
		{"agent RPC port on the manager's", map[string]string{"agent": `{"rpcPort":8081}`, "nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager","agent"]}]`}, "agent.rpcPort", "port 8081 is also services.managerPort"},
		{"app ports backwards", map[string]string{"services": `{"appProxy":{"portRange":[10300,10205]}}`}, "services.appProxy.portRange", "is not [first, last]"},
		{"app ports holding the coordinator's", map[string]string{"services": `{"appProxy":{"coordinatorPort":10250}}`}, "services.appProxy.portRange", "holds services.appProxy.coordinatorPort (10250)"},
		{"app ports over the sessions'", map[string]string{"services": `{"appProxy":{"portRange":[30500,30600]}}`, "nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager","agent"]}]`}, "services.appProxy.portRange", "overlaps agent.portRange [30000 31000] on m"},
		{"coordinator on the GraphQL gateway's port", map[string]string{"services": `{"appProxy":{"coordinatorPort":4000}}`}, "services.appProxy.coordinatorPort", "port 4000 is also services.graphqlGateway.port"},
		{"worker on the webserver's port", map[string]string{"services": `{"appProxy":{"workerPort":8090}}`}, "services.appProxy.workerPort", "port 8090 is also services.webserver.port"},
		{"null settings take their defaults", map[string]string{"services": `{"python":null,"webserver":null,"graphqlGateway":null,"appProxy":null,"managerPort":0}`,
			"halfstack": `{"images":null,"ports":null}`, "nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager","agent"],"ssh":null}]`}, "services.managerPort", "0 is not a TCP port"},
		{"relative scratch root", map[string]string{"agent": `{"scratchRoot":"scratches"}`}, "agent.scratchRoot", "not a clean absolute directory"},
		{"negative reserved cores", map[string]string{"agent": `{"reserved":{"cpu":-1}}`}, "agent.reserved.cpu", "-1 is outside 0..1024"},
		{"reserved memory without a size", map[string]string{"agent": `{"reserved":{"memory":"lots"}}`}, "agent.reserved.memory", `"lots" is not a size`},
		{"reserved disk in words", map[string]string{"agent": `{"reserved":{"disk":"8 GB"}}`}, "agent.reserved.disk", `"8 GB" is not a size`},
		{"bad resource group", map[string]string{"agent": `{"resourceGroup":"gpu cluster"}`}, "agent.resourceGroup", "not a resource group name"},
		{"bad insecure registry", map[string]string{"docker": `{"insecureRegistries":["http://10.0.0.5:5000"]}`}, "docker.insecureRegistries[0]", "not a registry as host[:port]"},
		{"no storage node", map[string]string{"nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager"]},{"name":"a","address":"10.0.0.2","roles":["agent"]}]`}, "nodes", `no node has the role "storage"`},
		{"two storage nodes without names", map[string]string{"nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager","storage"]},{"name":"a","address":"10.0.0.2","roles":["agent","storage"]}]`}, "nodes[0].volume", `2 nodes have the role "storage": name each one's volume`},
		{"two storage nodes, one name twice", map[string]string{"nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager","storage"],"volume":"v1"},{"name":"a","address":"10.0.0.2","roles":["agent","storage"],"volume":"v1"}]`}, "nodes[1].volume", `"v1" is already the volume of nodes[0]`},
		{"volume on a node without storage", map[string]string{"nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager","storage"]},{"name":"a","address":"10.0.0.2","roles":["agent"],"volume":"v2"}]`}, "nodes[1].volume", `only a node with the role "storage"`},
		{"relative export", map[string]string{"storage": `{"export":"srv/vfroot"}`}, "storage.export", "not a clean absolute directory"},
		{"existing server without export", map[string]string{"storage": `{"server":"10.0.0.9"}`}, "storage.export", "is required with storage.server"},
		{"existing export of another owner", map[string]string{"storage": `{"server":"10.0.0.9","export":"/export/vfroot","uid":1200}`}, "storage.uid", "1200 differs from account.uid 1100"},
		{"export's group differs", map[string]string{"storage": `{"server":"nfs.lan","export":"/export/vfroot","gid":100}`}, "storage.gid", "100 differs from account.gid 1100"},
		{"mount options with a space", map[string]string{"storage": `{"mountOptions":"rw, hard"}`}, "storage.mountOptions", "not a comma-separated list"},
		{"unknown mount", map[string]string{"storage": `{"mount":"fuse"}`}, "storage.mount", `"fuse" is not one of`},
		{"unknown NFS server", map[string]string{"storage": `{"nfsServer":"samba"}`}, "storage.nfsServer", `"samba" is not one of`},
		{"nodes not a list", map[string]string{"nodes": `{"name":"m"}`}, "nodes", "expected a list of nodes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := baseConfig(t)
			for k, v := range tt.set {
				cfg[k] = v
			}
			_, err := load(cfg)
			if err == nil {
				t.Fatal("accepted")
			}
			line := ""
			for _, l := range strings.Split(err.Error(), "\n") {
				if strings.HasPrefix(strings.TrimSpace(l), tt.field+":") && strings.Contains(l, tt.want) {
					line = l
				}
			}
			if line == "" {
				t.Errorf("error does not say %q about %s:\n%v", tt.want, tt.field, err)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error echoes the private key: %v", err)
			}
		})
	}
}

// A stack that prepares the hosts only needs none of the services' secrets.
func TestDeployHostsNeedsNoSecrets(t *testing.T) {
	cfg := baseConfig(t)
	cfg["deploy"] = DeployHosts
	for _, k := range []string{"dbPassword", "storageProxySecret", "storageProxyJWT"} {
		delete(cfg, k)
	}
	c, err := load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.Deploy != DeployHosts || c.Halfstack.Engine != EngineDocker || len(c.Services.ImageRegistries) != 1 {
		t.Errorf("deploy %q, engine %q, registries %v", c.Deploy, c.Halfstack.Engine, c.Services.ImageRegistries)
	}
}

// A stack that prepares the hosts only may leave Docker off every node: nothing runs
// containers yet.
func TestDeployHostsWithoutDocker(t *testing.T) {
	cfg := baseConfig(t)
	cfg["deploy"] = DeployHosts
	cfg["nodes"] = `[{"name":"bai-m1","address":"10.0.0.1","roles":["manager","storage"],"docker":false},
		{"name":"bai-a01","address":"10.0.0.2","roles":["agent"],"docker":false}]`
	c, err := load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.Nodes[0].WantsDocker() || c.Nodes[1].WantsDocker() {
		t.Error("a node wants Docker")
	}
	cfg["deploy"] = DeployAll
	if _, err := load(cfg); err == nil || !strings.Contains(err.Error(), `nodes[1].docker: false, but the role "agent" runs containers in Docker`) {
		t.Errorf("deploying the services without Docker: %v", err)
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	cfg := baseConfig(t)
	cfg["version"] = "1.0"
	cfg["account"] = `{"uid": 5}`
	_, err := load(cfg)
	if err == nil || !strings.Contains(err.Error(), "2 problem(s)") {
		t.Fatalf("want both problems reported, got %v", err)
	}
}

func TestVolumes(t *testing.T) {
	tests := []struct {
		name string
		set  map[string]string
		want []string // name path host:export local
	}{
		{"one storage node", nil, []string{"nfs /vfroot/nfs 10.20.30.10:/srv/backendai/nfs false"}},
		{"one node keeps the local directory", map[string]string{"nodes": `[{"name":"d","address":"10.0.0.1","roles":["manager","storage","agent"]}]`},
			[]string{"volume1 /vfroot/local : true"}},
		{"named, custom export", map[string]string{"storage": `{"name":"data","export":"/export/data"}`}, []string{"data /vfroot/data 10.20.30.10:/export/data false"}},
		{"an existing server", map[string]string{"storage": `{"server":"nfs.lan","export":"/export/vfroot"}`}, []string{"nfs /vfroot/nfs nfs.lan:/export/vfroot false"}},
		{"two storage nodes", map[string]string{"nodes": `[{"name":"m","address":"10.0.0.1","roles":["manager","storage"],"volume":"fast"},
			{"name":"s","address":"10.0.0.3","roles":["storage"],"volume":"bulk"},{"name":"a","address":"10.0.0.2","roles":["agent"]}]`},
			[]string{"fast /vfroot/fast 10.0.0.1:/srv/backendai/fast false", "bulk /vfroot/bulk 10.0.0.3:/srv/backendai/bulk false"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := baseConfig(t)
			for k, v := range tt.set {
				cfg[k] = v
			}
			c, err := load(cfg)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range c.Volumes() {
				got = append(got, fmt.Sprintf("%s %s %s:%s %t", v.Name, v.Path, v.Host, v.Export, v.Local))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("volumes %q, want %q", got, tt.want)
			}
		})
	}
}

// The verification's image: verify.image, else the first pulled image, else Backend.AI's
// own; the check is on by default, off with enabled: false or when only the hosts deploy.
// Its apps: Jupyter and the terminal through the App Proxy unless it is off; [] none.
func TestVerify(t *testing.T) {
	tests := []struct {
		name      string
		set       map[string]string
		image     string
		verifies  bool
		apps      []string
		wantError string
	}{
		{"defaults", nil, DefaultVerifyImage, true, DefaultVerifyApps, ""},
		{"the first pulled image", map[string]string{"images": `{"pull": ["r:5000/a/py:1", "r:5000/b:2"]}`}, "r:5000/a/py:1", true, DefaultVerifyApps, ""},
		{"its own image", map[string]string{"images": `{"pull": ["r:5000/a/py:1"]}`, "verify": `{"image": "python"}`}, "python", true, DefaultVerifyApps, ""},
		{"off", map[string]string{"verify": `{"enabled": false}`}, DefaultVerifyImage, false, DefaultVerifyApps, ""},
		{"hosts only", map[string]string{"deploy": "hosts"}, DefaultVerifyImage, false, DefaultVerifyApps, ""},
		{"no apps", map[string]string{"verify": `{"apps": []}`}, DefaultVerifyImage, true, []string{}, ""},
		{"the terminal alone", map[string]string{"verify": `{"apps": ["ttyd"]}`}, DefaultVerifyImage, true, []string{"ttyd"}, ""},
		{"no App Proxy", map[string]string{"services": `{"appProxy": {"enabled": false}}`}, DefaultVerifyImage, true, nil, ""},
		{"apps without the App Proxy", map[string]string{"services": `{"appProxy": {"enabled": false}}`, "verify": `{"apps": ["jupyter"]}`},
			"", true, nil, "verify.apps: [jupyter] are opened through the App Proxy, which services.appProxy turns off"},
		{"a bad app", map[string]string{"verify": `{"apps": ["Jupyter Lab"]}`}, "", true, nil, `verify.apps[0]: "Jupyter Lab" is not an app's name`},
		{"a bad image", map[string]string{"verify": `{"image": "python 3"}`}, "", true, nil, `verify.image: "python 3" is neither`},
		{"a misspelt field", map[string]string{"verify": `{"enable": false}`}, "", true, nil, `verify.enable: unknown field (did you mean "enabled"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := baseConfig(t)
			for k, v := range tt.set {
				cfg[k] = v
			}
			c, err := load(cfg)
			if tt.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantError) {
					t.Fatalf("got %v, want %q", err, tt.wantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.VerifyImage() != tt.image || c.Verifies() != tt.verifies || !slices.Equal(c.VerifyApps(), tt.apps) {
				t.Errorf("image %q, verifies %v, apps %v; want %q, %v, %v", c.VerifyImage(), c.Verifies(), c.VerifyApps(), tt.image, tt.verifies, tt.apps)
			}
		})
	}
}

// TestRescanTargets: the images the stack names are rescanned by their reference, so a
// registry's other images (the halfstack's) never become session images; a registry
// whose images the stack does not name is rescanned whole.
func TestRescanTargets(t *testing.T) {
	tests := []struct {
		name string
		set  map[string]string
		want []string
	}{
		{"defaults: the verification's image", nil, []string{DefaultVerifyImage}},
		{"pulled images of the registry, once each", map[string]string{
			"services": `{"imageRegistries": ["127.0.0.1:5000"]}`,
			"images":   `{"pull": ["127.0.0.1:5000/standin/python:3.13-debian13", "127.0.0.1:5000/standin/r:4"]}`,
		}, []string{"127.0.0.1:5000/standin/python:3.13-debian13", "127.0.0.1:5000/standin/r:4"}},
		{"a registry none of whose images is named, whole", map[string]string{
			"services": `{"imageRegistries": ["127.0.0.1:5000", "cr.example.com"]}`,
			"images":   `{"pull": ["127.0.0.1:5000/standin/python:3.13-debian13"]}`,
		}, []string{"127.0.0.1:5000/standin/python:3.13-debian13", "cr.example.com"}},
		{"no verification, no pulls: the registry", map[string]string{"verify": `{"enabled": false}`}, []string{DefaultImageRegistry}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := baseConfig(t)
			maps.Copy(cfg, tt.set)
			c, err := load(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.RescanTargets(); !slices.Equal(got, tt.want) {
				t.Errorf("RescanTargets() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestTLS: services.tls takes a certificate chain for the management node's address
// with its key as the secret tlsKey, or both as files on the node; every wrong
// combination is refused naming its field, the key never shown.
func TestTLS(t *testing.T) {
	certs := tlscert.New(t, "10.20.30.10")
	other := tlscert.New(t, "10.9.9.9")
	q := func(s string) string { raw, _ := json.Marshal(s); return string(raw) }
	tests := []struct {
		name  string
		set   map[string]string
		https bool
		want  string
	}{
		{"none", nil, false, ""},
		{"a certificate and its key", map[string]string{"services": `{"tls": {"certificate": ` + q(certs.Chain) + `}}`, "tlsKey": certs.Key}, true, ""},
		{"files on the node", map[string]string{"services": `{"tls": {"certificateFile": "/etc/ssl/bai/cert.pem", "keyFile": "/etc/ssl/bai/key.pem"}}`}, true, ""},
		{"a key without a certificate", map[string]string{"tlsKey": certs.Key}, false, "tlsKey: a key without services.tls.certificate"},
		{"a certificate without its key", map[string]string{"services": `{"tls": {"certificate": ` + q(certs.Chain) + `}}`}, false, "tlsKey: is required with services.tls.certificate"},
		{"another certificate's key", map[string]string{"services": `{"tls": {"certificate": ` + q(certs.Chain) + `}}`, "tlsKey": other.Key}, false,
			"tlsKey: is not the private key of services.tls.certificate"},
		{"a certificate for another address", map[string]string{"services": `{"tls": {"certificate": ` + q(other.Chain) + `}}`, "tlsKey": other.Key}, false,
			"services.tls.certificate: is for [10.9.9.9], not for 10.20.30.10"},
		{"a key as the certificate", map[string]string{"services": `{"tls": {"certificate": ` + q(certs.Key) + `}}`, "tlsKey": certs.Key}, false,
			"services.tls.certificate: holds a PRIVATE KEY block"},
		{"text and files", map[string]string{"services": `{"tls": {"certificate": ` + q(certs.Chain) + `, "keyFile": "/k.pem"}}`, "tlsKey": certs.Key}, false,
			"services.tls: give the certificate as its text"},
		{"a relative file", map[string]string{"services": `{"tls": {"certificateFile": "cert.pem", "keyFile": "/etc/ssl/bai/key.pem"}}`}, false,
			`services.tls.certificateFile: "cert.pem" is not an absolute path`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := baseConfig(t)
			for k, v := range tt.set {
				cfg[k] = v
			}
			c, err := load(cfg)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("got %v, want %q", err, tt.want)
				}
				if strings.Contains(err.Error(), "PRIVATE KEY-----") {
					t.Errorf("the error shows the key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Services.HTTPS() != tt.https {
				t.Errorf("HTTPS %v, want %v", c.Services.HTTPS(), tt.https)
			}
		})
	}
}

// TestManagementPlanePorts: a management plane reserves its agents' ports too, which
// join it from other stacks with its kernel parameters.
func TestManagementPlanePorts(t *testing.T) {
	cfg := baseConfig(t)
	cfg["nodes"] = `[{"name": "bai-m1", "address": "10.20.30.10", "roles": ["manager", "storage"]}]`
	c, err := LoadManagementPlane(func(k string) (string, bool) { v, ok := cfg[k]; return v, ok }, nil)
	if err != nil {
		t.Fatal(err)
	}
	ports := c.Sysctl[ReservedPortsKey]
	for _, want := range []string{"6001", "30000-31000", "8081"} {
		if !slices.Contains(strings.Split(ports, ","), want) {
			t.Errorf("the plane's reserved ports %s lack %s", ports, want)
		}
	}
}

// TestAgentReservations: the stack's reservations, each one it leaves out the default.
func TestAgentReservations(t *testing.T) {
	zero := 0
	for _, tt := range []struct {
		name         string
		reserved     *AgentReserved
		cpu          int
		memory, disk string
	}{
		{"left out", nil, 1, "1G", "8G"},
		{"no cores kept", &AgentReserved{CPU: &zero}, 0, "1G", "8G"},
		{"memory and disk", &AgentReserved{Memory: "4G", Disk: "64G"}, 1, "4G", "64G"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cpu, mem, disk := AgentSettings{Reserved: tt.reserved}.Reservations()
			if cpu != tt.cpu || mem != tt.memory || disk != tt.disk {
				t.Errorf("Reservations() = %d, %q, %q, want %d, %q, %q", cpu, mem, disk, tt.cpu, tt.memory, tt.disk)
			}
		})
	}
}
