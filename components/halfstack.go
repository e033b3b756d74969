package components

import (
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/halfstack"
	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// HalfstackType is the Halfstack component's type token.
const HalfstackType = "backendai:index:Halfstack"

// HalfstackArgs place the halfstack on the management node.
type HalfstackArgs struct {
	// Connection reaches the management node, whose Docker engine is reached over SSH.
	Connection Connection
	// Spec is the stack's halfstack settings.
	Spec spec.Halfstack
	// DBPassword is PostgreSQL's superuser password; a secret.
	DBPassword pulumi.StringInput
	// DependsOn is what must be in place first: the node's Docker Engine.
	DependsOn []pulumi.Resource
}

// Halfstack is the management node's PostgreSQL, Redis (Valkey) and etcd containers
// (Backend.AI's docs/install/install-from-package/prepare-database.rst,
// prepare-cache-service.rst and prepare-config-service.rst at 26.8.1, which run each with
// docker compose), as Docker resources through a docker provider whose host is the node
// over SSH.
type Halfstack struct {
	pulumi.ResourceState

	// Postgres, Redis and Etcd are host:port as seen from the management node itself.
	Postgres pulumi.StringOutput `pulumi:"postgres"`
	Redis    pulumi.StringOutput `pulumi:"redis"`
	Etcd     pulumi.StringOutput `pulumi:"etcd"`

	// Containers are the service containers, by name; later steps wait for them.
	Containers map[string]*docker.Container
}

// NewHalfstack creates the network, the data volumes, the images and the containers.
// The containers are created only once their health checks pass, so whatever depends
// on them (etcd keys, the schema, fixtures) starts against running services.
func NewHalfstack(ctx *pulumi.Context, name string, args HalfstackArgs, opts ...pulumi.ResourceOption) (*Halfstack, error) {
	if args.DBPassword == nil {
		return nil, fmt.Errorf("halfstack %s: DBPassword is required (the secret config key dbPassword)", name)
	}
	h := &Halfstack{Containers: map[string]*docker.Container{}}
	if err := ctx.RegisterComponentResource(HalfstackType, name, h, opts...); err != nil {
		return nil, err
	}
	provider, err := dockerProvider(ctx, name, args.Connection, h)
	if err != nil {
		return nil, err
	}
	on := []pulumi.ResourceOption{pulumi.Parent(h), pulumi.Provider(provider)}
	// Data volumes outlive the stack unless it asks otherwise.
	keepData := append(on, pulumi.RetainOnDelete(!args.Spec.DeleteDataOnDestroy))

	network, err := docker.NewNetwork(ctx, name+"-network", &docker.NetworkArgs{
		Name: pulumi.String(halfstack.Network),
	}, append(on, pulumi.DependsOn(args.DependsOn))...)
	if err != nil {
		return nil, err
	}
	for _, s := range halfstack.Services(args.Spec) {
		volume, err := docker.NewVolume(ctx, s.Volume, &docker.VolumeArgs{Name: pulumi.String(s.Volume)},
			append(keepData, pulumi.DependsOn(args.DependsOn))...)
		if err != nil {
			return nil, err
		}
		image, err := docker.NewRemoteImage(ctx, s.Name+"-image", &docker.RemoteImageArgs{
			Name: pulumi.String(s.Image), KeepLocally: pulumi.Bool(true),
		}, append(on, pulumi.DependsOn(args.DependsOn))...)
		if err != nil {
			return nil, err
		}
		envs := pulumi.StringArray{}
		for _, e := range s.Env {
			envs = append(envs, pulumi.String(e))
		}
		var envInput pulumi.StringArrayInput = envs
		if s.SecretEnvKey != "" {
			envs = append(envs, pulumi.Sprintf("%s=%s", s.SecretEnvKey, args.DBPassword))
			envInput = pulumi.ToSecret(envs).(pulumi.StringArrayOutput)
		}
		container, err := docker.NewContainer(ctx, s.Name, &docker.ContainerArgs{
			Name:    pulumi.String(s.Name),
			Image:   image.ImageId,
			Command: pulumi.ToStringArray(s.Command),
			Envs:    envInput,
			Ports: docker.ContainerPortArray{docker.ContainerPortArgs{
				Internal: pulumi.Int(s.ContainerPort), External: pulumi.Int(s.HostPort), Ip: pulumi.String(s.HostIP),
			}},
			Volumes: docker.ContainerVolumeArray{docker.ContainerVolumeArgs{
				VolumeName: volume.Name, ContainerPath: pulumi.String(s.MountPath),
			}},
			NetworksAdvanced: docker.ContainerNetworksAdvancedArray{docker.ContainerNetworksAdvancedArgs{
				Name: network.Name, Aliases: pulumi.ToStringArray([]string{s.Name}),
			}},
			Healthcheck: docker.ContainerHealthcheckArgs{
				Tests: pulumi.ToStringArray(s.Health.Test), Interval: pulumi.String(s.Health.Interval),
				Timeout: pulumi.String(s.Health.Timeout), Retries: pulumi.Int(s.Health.Retries),
			},
			Restart:     pulumi.String("unless-stopped"),
			Wait:        pulumi.Bool(true),
			WaitTimeout: pulumi.Int(180),
		}, on...)
		if err != nil {
			return nil, err
		}
		h.Containers[s.Name] = container
	}

	local := func(port int) pulumi.StringOutput {
		return pulumi.String("127.0.0.1:" + strconv.Itoa(port)).ToStringOutput()
	}
	h.Postgres, h.Redis, h.Etcd = local(args.Spec.Ports.Postgres), local(args.Spec.Ports.Redis), local(args.Spec.Ports.Etcd)
	return h, ctx.RegisterResourceOutputs(h, pulumi.Map{"postgres": h.Postgres, "redis": h.Redis, "etcd": h.Etcd})
}

// dockerProvider is a docker provider for the node's engine, named <name>-docker. It
// runs `docker` over the local ssh client, with the operator's ssh agent, and checks
// the host key against known_hosts.
func dockerProvider(ctx *pulumi.Context, name string, conn Connection, parent pulumi.Resource) (*docker.Provider, error) {
	return docker.NewProvider(ctx, name+"-docker", &docker.ProviderArgs{
		Host:    pulumi.Sprintf("ssh://%s@%s:%d", conn.User, conn.Host, conn.Port),
		SshOpts: pulumi.ToStringArray([]string{"-o", "BatchMode=yes"}),
	}, pulumi.Parent(parent))
}
