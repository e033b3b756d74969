package spec

import (
	"fmt"
	"regexp"
)

// Halfstack is the management node's PostgreSQL, Redis (Valkey) and etcd, run as
// containers the way Backend.AI's docker-compose.halfstack-main.yml runs them.
type Halfstack struct {
	// Images may name a private registry; the defaults are the halfstack file's.
	Images *HalfstackImages `json:"images,omitempty" pulumi:"images,optional"`
	// Ports are the host ports the services are published on.
	Ports *HalfstackPorts `json:"ports,omitempty" pulumi:"ports,optional"`
	// Engine runs the containers: "docker" (the Docker provider, default) or "script" (a
	// convergent step on the node).
	Engine string `json:"engine,omitempty" pulumi:"engine,optional"`
	// DeleteDataOnDestroy lets `pulumi destroy` remove the data volumes. Off by default:
	// the database and etcd outlive the stack unless the stack asks otherwise.
	DeleteDataOnDestroy bool `json:"deleteDataOnDestroy,omitempty" pulumi:"deleteDataOnDestroy,optional"`
	// DBPassword is PostgreSQL's superuser password, from the secret config key
	// `dbPassword`; never printed.
	DBPassword string `json:"-"`
}

// HalfstackImages are the image references of the three services.
type HalfstackImages struct {
	Postgres string `json:"postgres,omitempty" pulumi:"postgres,optional"`
	Redis    string `json:"redis,omitempty" pulumi:"redis,optional"`
	Etcd     string `json:"etcd,omitempty" pulumi:"etcd,optional"`
}

// HalfstackPorts are the host ports of the three services.
type HalfstackPorts struct {
	Postgres int `json:"postgres,omitempty" pulumi:"postgres,optional"`
	Redis    int `json:"redis,omitempty" pulumi:"redis,optional"`
	Etcd     int `json:"etcd,omitempty" pulumi:"etcd,optional"`
}

// Halfstack defaults: docker-compose.halfstack-main.yml of 26.4.10 and 26.8.1
// (backendai-facts.md section 1).
const (
	DefaultPostgresImage = "postgres:16.3-alpine"
	DefaultRedisImage    = "valkey/valkey:9.1.0-alpine"
	DefaultEtcdImage     = "quay.io/coreos/etcd:v3.5.14"
	DefaultPostgresPort  = 8100
	DefaultRedisPort     = 8110
	DefaultEtcdPort      = 8120
)

func defaultHalfstack() Halfstack {
	return Halfstack{
		Engine: EngineDocker,
		Images: &HalfstackImages{Postgres: DefaultPostgresImage, Redis: DefaultRedisImage, Etcd: DefaultEtcdImage},
		Ports:  &HalfstackPorts{Postgres: DefaultPostgresPort, Redis: DefaultRedisPort, Etcd: DefaultEtcdPort},
	}
}

// imageRef is Docker's reference grammar, loosely: [registry[:port]/]path[:tag][@digest].
var imageRef = regexp.MustCompile(`^([a-zA-Z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._/-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?$`)

func (h Halfstack) validate(bad func(field, format string, args ...any)) {
	for name, ref := range map[string]string{"postgres": h.Images.Postgres, "redis": h.Images.Redis, "etcd": h.Images.Etcd} {
		if !imageRef.MatchString(ref) {
			bad("halfstack.images."+name, "%q is not an image reference (registry/name:tag)", ref)
		}
	}
}

// String keeps the password out of any print of the spec.
func (h Halfstack) String() string {
	return fmt.Sprintf("{engine %s images %+v ports %+v deleteDataOnDestroy %t}", h.Engine, h.Images, h.Ports, h.DeleteDataOnDestroy)
}
