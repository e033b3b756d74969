package scripts

import (
	"fmt"
	"maps"
	"reflect"
	"strconv"
	"strings"
)

// Input is a step's input: a struct whose fields' `env` tags name the variables its
// script reads, beside the script itself (Script). `env:"NAME,omitempty"` leaves an
// empty value out; `env:"*"` on a map[string]string field adds its variables as they are.
type Input interface {
	Script() string
}

// Env is the input's variables, as the step exports them to its script.
func Env(in Input) map[string]string {
	env := map[string]string{}
	addFields(env, reflect.ValueOf(in))
	return env
}

func addFields(env map[string]string, v reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		f, fv := t.Field(i), v.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			addFields(env, fv) // a shared part of several scripts' inputs
			continue
		}
		tag, ok := f.Tag.Lookup("env")
		if !ok {
			panic(fmt.Sprintf("scripts: %s.%s has no env tag", t.Name(), f.Name))
		}
		name, opt, _ := strings.Cut(tag, ",")
		if name == "*" {
			maps.Copy(env, fv.Interface().(map[string]string))
			continue
		}
		var s string
		switch fv.Kind() {
		case reflect.String:
			s = fv.String()
		case reflect.Int:
			if fv.Int() != 0 || opt != "omitempty" {
				s = strconv.FormatInt(fv.Int(), 10)
			}
		default:
			panic(fmt.Sprintf("scripts: %s.%s is a %s, not a string or int", t.Name(), f.Name, fv.Kind()))
		}
		if s == "" && opt == "omitempty" {
			continue
		}
		env[name] = s
	}
}

// FactsInput: facts.sh takes nothing.
type FactsInput struct{}

// AccountInput is account.sh's: the operations account.
type AccountInput struct {
	User string `env:"BAI_USER"`
	UID  int    `env:"BAI_UID"`
	GID  int    `env:"BAI_GID"`
}

// HostsInput is hosts.sh's: the marked /etc/hosts block (HostsBlock).
type HostsInput struct {
	Block string `env:"HOSTS_BLOCK"`
}

// LimitsInput is limits.sh's: the limits.d file (LimitsConf).
type LimitsInput struct {
	Conf string `env:"LIMITS_CONF"`
}

// SysctlInput is sysctl.sh's: the sysctl.d file (SysctlConf).
type SysctlInput struct {
	Conf string `env:"SYSCTL_CONF"`
}

// DockerInput is docker.sh's.
type DockerInput struct {
	Source string `env:"DOCKER_SOURCE"`
	User   string `env:"BAI_USER"`
}

// DaemonJSONInput is daemon_json.sh's: the registries, space-separated.
type DaemonJSONInput struct {
	InsecureRegistries string `env:"INSECURE_REGISTRIES"`
}

// HalfstackInput is halfstack.sh's: the containers' settings (halfstack.ScriptEnv).
type HalfstackInput struct {
	Vars map[string]string `env:"*"`
}

// PythonInput is python.sh's.
type PythonInput struct {
	Source  string `env:"PYTHON_SOURCE"`
	URL     string `env:"PYTHON_URL"`
	SHA256  string `env:"PYTHON_SHA256"`
	Version string `env:"PYTHON_VERSION"`
	Mirror  string `env:"PYTHON_MIRROR"`
	// Needs is the Python (major.minor) Release's packages require.
	Needs    string `env:"PYTHON_NEEDS"`
	Release  string `env:"RELEASE"`
	UV       string `env:"UV_VERSION"`
	IndexURL string `env:"INDEX_URL"`
	User     string `env:"BAI_USER"`
}

// PackagesInput is packages.sh's: one package pinned in a service's venv.
type PackagesInput struct {
	Dir      string `env:"SERVICE_DIR"`
	Python   string `env:"PYTHON"`
	Package  string `env:"PACKAGE"`
	Version  string `env:"VERSION"`
	IndexURL string `env:"INDEX_URL"`
	User     string `env:"BAI_USER"`
}

// ConfigInput is config.sh's: a rendered file and where its placeholders are.
type ConfigInput struct {
	Path  string `env:"CONFIG_PATH"`
	Text  string `env:"CONFIG_TEXT"`
	Slots string `env:"CONFIG_SLOTS"`
	Owner string `env:"CONFIG_OWNER"`
	Mode  string `env:"CONFIG_MODE"`
}

// ServiceInput is service.sh's: a service's run script and unit.
type ServiceInput struct {
	Service       string `env:"SERVICE"`
	UnitText      string `env:"UNIT_TEXT"`
	RunScript     string `env:"RUN_SCRIPT"`
	RunScriptText string `env:"RUN_SCRIPT_TEXT"`
	User          string `env:"BAI_USER"`
	ConfigSHA256  string `env:"CONFIG_SHA256"`
	WaitPort      int    `env:"WAIT_PORT,omitempty"`
}

// ManagerCommand is what the steps that run the manager's backend.ai command share: its
// directory, the account it runs as, the release.
type ManagerCommand struct {
	Dir     string `env:"MANAGER_DIR"`
	User    string `env:"BAI_USER"`
	Version string `env:"VERSION"`
}

// RPCKeypairInput is rpc_keypair.sh's.
type RPCKeypairInput struct{ ManagerCommand }

// SchemaInput is schema.sh's: alembic.ini's checksum reruns it when the file changes.
type SchemaInput struct {
	ManagerCommand
	AlembicSHA256 string `env:"ALEMBIC_SHA256"`
}

// RolesInput is roles.sh's: FixturesSHA256 reruns it when the fixtures change (their
// users get their roles); the role presets come from the index the packages do.
type RolesInput struct {
	ManagerCommand
	// DBContainer and DBName are the halfstack's PostgreSQL, for the users' edges.
	DBContainer    string `env:"DB_CONTAINER"`
	DBName         string `env:"DB_NAME"`
	IndexURL       string `env:"INDEX_URL"`
	FixturesSHA256 string `env:"FIXTURES_SHA256"`
}

// UserRolesInput is user_roles.sh's (26.4 and 26.8): FixturesSHA256 reruns it when the
// fixtures change (their new users get their roles).
type UserRolesInput struct {
	ManagerCommand
	DBContainer    string `env:"DB_CONTAINER"`
	DBName         string `env:"DB_NAME"`
	FixturesSHA256 string `env:"FIXTURES_SHA256"`
}

// RescanInput is rescan.sh's: what to rescan (images or registries) space-separated,
// aliases "alias image" per line.
type RescanInput struct {
	ManagerCommand
	Targets string `env:"IMAGE_RESCAN"`
	Aliases string `env:"IMAGE_ALIASES"`
}

// VolumesInput is volumes.sh's: the storage proxy's volume paths, space-separated.
type VolumesInput struct {
	Paths string `env:"VOLUME_PATHS"`
	User  string `env:"BAI_USER"`
}

// SchemaPreflightInput is schema_preflight.sh's: the release's manager wheel comes
// from the index the packages do.
type SchemaPreflightInput struct {
	ManagerCommand
	IndexURL string `env:"INDEX_URL"`
}

// GatewayInput is gateway.sh's: the GraphQL gateway of a release's manager.
type GatewayInput struct {
	ManagerCommand
	GatewayDir     string `env:"GATEWAY_DIR"`
	GatewayVersion string `env:"GATEWAY_VERSION"`
	ManagerURL     string `env:"MANAGER_URL"`
	// PublicSubgraph "yes" composes the manager's public schema too (26.9 on).
	PublicSubgraph string `env:"PUBLIC_SUBGRAPH"`
}

// GatewayPackagesInput is gateway_packages.sh's: Node.js and the gateway's packages.
type GatewayPackagesInput struct {
	GatewayDir     string `env:"GATEWAY_DIR"`
	GatewayVersion string `env:"GATEWAY_VERSION"`
	User           string `env:"BAI_USER"`
	Registry       string `env:"NPM_REGISTRY"`
}

// VerifyInput is verify.sh's.
type VerifyInput struct {
	ManagerURL      string `env:"MANAGER_URL"`
	WebserverURL    string `env:"WEBSERVER_URL"`
	StorageProxyURL string `env:"STORAGE_PROXY_URL"`
	GatewayURL      string `env:"GATEWAY_URL"`
	// CoordinatorURL and WorkerURL, when set, are the App Proxy's APIs.
	CoordinatorURL string `env:"COORDINATOR_URL,omitempty"`
	WorkerURL      string `env:"WORKER_URL,omitempty"`
	// CAFile, when set, is the certificate the HTTPS services are checked against.
	CAFile       string `env:"CA_FILE,omitempty"`
	Version      string `env:"VERSION"`
	ConfigSHA256 string `env:"CONFIG_SHA256"`
}

// AgentKeysInput is agent_keys.sh's, but for the manager's public certificate
// (MANAGER_PUBLIC_KEY), which is another step's output.
type AgentKeysInput struct {
	Dir  string `env:"AGENT_DIR"`
	User string `env:"BAI_USER"`
}

// ImagesInput is images.sh's: image references, space-separated.
type ImagesInput struct {
	Images string `env:"IMAGES"`
}

// DirectoriesInput is directories.sh's: paths, space-separated.
type DirectoriesInput struct {
	Dirs string `env:"DIRECTORIES"`
}

// CATrustInput is ca_trust.sh's: a private CA's certificate, in PEM form.
type CATrustInput struct {
	Cert string `env:"CA_CERT"`
}

func (CATrustInput) Script() string { return CATrust }

// NVIDIAInput is nvidia.sh's.
type NVIDIAInput struct {
	Repo string `env:"NVIDIA_REPO"`
}

// NFSServerInput is nfs_server.sh's: the exported directories, space-separated, and the
// server's configuration (ExportsFile or GaneshaConf).
type NFSServerInput struct {
	Server     string `env:"NFS_SERVER"`
	ExportDirs string `env:"EXPORT_DIRS"`
	Config     string `env:"SERVER_CONFIG"`
	User       string `env:"BAI_USER"`
}

// VFRootInput is vfroot.sh's: the fstab block (FstabBlock) and each volume as
// "path=host:/export", space-separated.
type VFRootInput struct {
	Mode    string `env:"MOUNT_MODE"`
	Fstab   string `env:"FSTAB_BLOCK"`
	Volumes string `env:"VOLUMES"`
	User    string `env:"BAI_USER"`
}

// VerifyClusterInput is verify_cluster.sh's, but for the superadmin's keypair
// (BACKEND_ACCESS_KEY, BACKEND_SECRET_KEY) and the regular user's secret key
// (USER_SECRET_KEY), secrets. Sum names what the cluster was deployed with: the step
// runs again when it changes.
type VerifyClusterInput struct {
	ClientDir  string `env:"CLIENT_DIR"`
	User       string `env:"BAI_USER"`
	ManagerURL string `env:"MANAGER_URL"`
	Version    string `env:"VERSION"`
	Agents     string `env:"AGENTS"`
	Volumes    string `env:"VOLUMES"`
	Image      string `env:"IMAGE"`
	// UserAccessKey is a regular user's of the fixtures; empty: no user check.
	UserAccessKey string `env:"USER_ACCESS_KEY"`
	// Apps are opened through the App Proxy, space-separated; empty: no apps check.
	// WorkerURL is the App Proxy worker's API, named when an app does not open.
	Apps      string `env:"APPS"`
	WorkerURL string `env:"WORKER_URL,omitempty"`
	// CAFile (a file on the node) or CACert (its text) is the certificate the App
	// Proxy's worker is checked against when it serves HTTPS.
	CAFile string `env:"CA_FILE,omitempty"`
	CACert string `env:"CA_CERT,omitempty"`
	Sum    string `env:"CLUSTER_SHA256"`
}

func (VerifyClusterInput) Script() string   { return VerifyCluster }
func (NFSServerInput) Script() string       { return NFSServer }
func (VFRootInput) Script() string          { return VFRoot }
func (FactsInput) Script() string           { return Facts }
func (AccountInput) Script() string         { return Account }
func (HostsInput) Script() string           { return Hosts }
func (LimitsInput) Script() string          { return Limits }
func (SysctlInput) Script() string          { return Sysctl }
func (DockerInput) Script() string          { return Docker }
func (DaemonJSONInput) Script() string      { return DaemonJSON }
func (HalfstackInput) Script() string       { return Halfstack }
func (PythonInput) Script() string          { return Python }
func (PackagesInput) Script() string        { return Packages }
func (ConfigInput) Script() string          { return Config }
func (ServiceInput) Script() string         { return ServiceUnit }
func (RPCKeypairInput) Script() string      { return RPCKeypair }
func (SchemaInput) Script() string          { return Schema }
func (GatewayInput) Script() string         { return Gateway }
func (GatewayPackagesInput) Script() string { return GatewayPackages }
func (RolesInput) Script() string           { return Roles }
func (UserRolesInput) Script() string       { return UserRoles }
func (SchemaPreflightInput) Script() string { return SchemaPreflight }
func (RescanInput) Script() string          { return Rescan }
func (VolumesInput) Script() string         { return Volumes }
func (VerifyInput) Script() string          { return Verify }
func (AgentKeysInput) Script() string       { return AgentKeys }
func (ImagesInput) Script() string          { return Images }
func (AppProxyDBInput) Script() string      { return AppProxyDB }
func (AppProxySchemaInput) Script() string  { return AppProxySchema }
func (DirectoriesInput) Script() string     { return Directories }
func (NVIDIAInput) Script() string          { return NVIDIA }

// AppProxyDBInput is app_proxy_db.sh's: the coordinator's database and role in the
// halfstack's PostgreSQL; the role's password is a secret input.
type AppProxyDBInput struct {
	DBContainer string `env:"DB_CONTAINER"`
	DB          string `env:"APPPROXY_DB"`
	User        string `env:"APPPROXY_USER"`
}

// AppProxySchemaInput is app_proxy_schema.sh's: the coordinator's directory, the
// account, the release, and alembic-appproxy.ini's checksum, which reruns it.
type AppProxySchemaInput struct {
	Dir           string `env:"COORDINATOR_DIR"`
	User          string `env:"BAI_USER"`
	Version       string `env:"VERSION"`
	AlembicSHA256 string `env:"ALEMBIC_SHA256"`
}
