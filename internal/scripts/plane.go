package scripts

import _ "embed"

// A management plane of several nodes' steps (docs/ha.md), after the prelude.

//go:embed plane_etcd.sh
var planeEtcdSh string

//go:embed plane_valkey.sh
var planeValkeySh string

//go:embed plane_postgres_packages.sh
var planePostgresPackagesSh string

//go:embed plane_postgres.sh
var planePostgresSh string

//go:embed plane_check.sh
var planeCheckSh string

var (
	PlaneEtcd             = prelude + planeEtcdSh
	PlaneValkey           = prelude + planeValkeySh
	PlanePostgresPackages = prelude + planePostgresPackagesSh
	PlanePostgres         = prelude + planePostgresSh
	PlaneCheck            = prelude + planeCheckSh
)

// PlaneEtcdInput is plane_etcd.sh's: /etc/default/etcd, and the member's client URL on
// the node.
type PlaneEtcdInput struct {
	Env    string `env:"ETCD_ENV"`
	Client string `env:"ETCD_CLIENT"`
}

func (PlaneEtcdInput) Script() string { return PlaneEtcd }

// PlaneValkeyInput is plane_valkey.sh's: the node's Valkey settings and its Sentinel's
// first file, the master's name, the first member's and this node's Valkey, every
// Sentinel (host:port, space-separated).
type PlaneValkeyInput struct {
	ValkeyConf   string `env:"VALKEY_CONF"`
	SentinelConf string `env:"SENTINEL_CONF"`
	Service      string `env:"SERVICE"`
	First        string `env:"FIRST"`
	Self         string `env:"SELF"`
	Sentinels    string `env:"SENTINELS"`
}

func (PlaneValkeyInput) Script() string { return PlaneValkey }

// PlanePostgresPackagesInput is plane_postgres_packages.sh's: none.
type PlanePostgresPackagesInput struct{}

func (PlanePostgresPackagesInput) Script() string { return PlanePostgresPackages }

// PlanePostgresInput is plane_postgres.sh's: HAProxy's configuration, what Patroni's
// was rendered from, Patroni's API on the node, HAProxy's port and the database.
type PlanePostgresInput struct {
	HAProxyConf   string `env:"HAPROXY_CONF"`
	PatroniSHA256 string `env:"PATRONI_SHA256"`
	PatroniAPI    string `env:"PATRONI_API"`
	DBPort        int    `env:"DB_PORT"`
	DBName        string `env:"DB_NAME"`
}

func (PlanePostgresInput) Script() string { return PlanePostgres }

// PlaneCheckInput is plane_check.sh's: every etcd member's client URL (comma-separated),
// the node's Sentinel, the master's name, Patroni's API, the number of members, every
// manager's URL (space-separated).
type PlaneCheckInput struct {
	EtcdEndpoints string `env:"ETCD_ENDPOINTS"`
	Sentinel      string `env:"SENTINEL"`
	Service       string `env:"SERVICE"`
	PatroniAPI    string `env:"PATRONI_API"`
	Members       int    `env:"MEMBERS"`
	Managers      string `env:"MANAGERS"`
}

func (PlaneCheckInput) Script() string { return PlaneCheck }

//go:embed plane_adopt.sh
var planeAdoptSh string

//go:embed plane_restore.sh
var planeRestoreSh string

var (
	PlaneAdopt   = prelude + planeAdoptSh
	PlaneRestore = prelude + planeRestoreSh
)

// PlaneGrowthDir is where plane_adopt.sh copies a single management node's database and
// etcd keys, for plane_restore.sh; they stay there afterwards, root's alone.
const PlaneGrowthDir = "/var/lib/backendai-infra/plane-growth"

// PlaneAdoptInput is plane_adopt.sh's: whether the node is the plane's first, its name,
// where the copy goes, the database, the halfstack's containers, and etcd's port. The
// database's password comes in the step's secret environment (DB_PASSWORD).
type PlaneAdoptInput struct {
	First          string `env:"FIRST"`
	Node           string `env:"NODE"`
	DumpDir        string `env:"DUMP_DIR"`
	DBName         string `env:"DB_NAME"`
	DBContainer    string `env:"DB_CONTAINER"`
	RedisContainer string `env:"REDIS_CONTAINER"`
	EtcdContainer  string `env:"ETCD_CONTAINER"`
	EtcdPort       int    `env:"ETCD_PORT"`
}

func (PlaneAdoptInput) Script() string { return PlaneAdopt }

// PlaneRestoreInput is plane_restore.sh's: the copy, the database behind HAProxy, and
// the node's etcd member.
type PlaneRestoreInput struct {
	DumpDir    string `env:"DUMP_DIR"`
	DBPort     int    `env:"DB_PORT"`
	DBName     string `env:"DB_NAME"`
	EtcdClient string `env:"ETCD_CLIENT"`
}

func (PlaneRestoreInput) Script() string { return PlaneRestore }
