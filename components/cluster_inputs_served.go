package components

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/fixtures"
	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// ClusterInputs are the Cluster component's inputs as the provider serves it to every
// language: the settings a stack of this program gives as its config (the same names,
// the same defaults, checked by the same rules), the fixture files' texts, and the
// secrets, each of which may be another resource's output.
type ClusterInputs struct {
	Nodes           []spec.Node           `pulumi:"nodes"`
	Version         string                `pulumi:"version,optional"`
	Deploy          string                `pulumi:"deploy,optional"`
	Account         *spec.Account         `pulumi:"account,optional"`
	Limits          *spec.Limits          `pulumi:"limits,optional"`
	Sysctl          map[string]string     `pulumi:"sysctl,optional"`
	Docker          *spec.Docker          `pulumi:"docker,optional"`
	Halfstack       *spec.Halfstack       `pulumi:"halfstack,optional"`
	Services        *spec.Services        `pulumi:"services,optional"`
	Agent           *spec.AgentSettings   `pulumi:"agent,optional"`
	Images          *spec.Images          `pulumi:"images,optional"`
	Storage         *spec.Storage         `pulumi:"storage,optional"`
	Verify          *spec.Verify          `pulumi:"verify,optional"`
	Superadmin      *spec.Superadmin      `pulumi:"superadmin,optional"`
	ResourcePresets []spec.ResourcePreset `pulumi:"resourcePresets,optional"`
	TestCluster     bool                  `pulumi:"testCluster,optional"`
	Fixtures        []ClusterFixture      `pulumi:"fixtures,optional"`
	// Connections, by node name, reach nodes where their ssh settings cannot say how.
	Connections map[string]HostConnection `pulumi:"connections,optional"`

	SSHPrivateKey       pulumi.StringInput `pulumi:"sshPrivateKey" provider:"secret"`
	DBPassword          pulumi.StringInput `pulumi:"dbPassword,optional" provider:"secret"`
	StorageProxySecret  pulumi.StringInput `pulumi:"storageProxySecret,optional" provider:"secret"`
	StorageProxyJWT     pulumi.StringInput `pulumi:"storageProxyJWT,optional" provider:"secret"`
	SuperadminSecretKey pulumi.StringInput `pulumi:"superadminSecretKey,optional" provider:"secret"`
	SuperadminPassword  pulumi.StringInput `pulumi:"superadminPassword,optional" provider:"secret"`
	TLSKey              pulumi.StringInput `pulumi:"tlsKey,optional" provider:"secret"`

	// Settings are the settings above as the caller gave them, as JSON (the provider
	// adds them from the raw inputs: only they tell a key left out from an empty list or
	// a false); empty, the typed fields are read.
	Settings string `pulumi:"givenSettings,optional" provider:"internal"`
}

// ClusterSettingsInput is the internal input that carries the settings as given.
const ClusterSettingsInput = "givenSettings"

// ClusterSecretInputs are the Cluster's secret inputs, apart from its settings.
var ClusterSecretInputs = []string{"sshPrivateKey", "dbPassword", "storageProxySecret", "storageProxyJWT", "superadminSecretKey", "superadminPassword", "tlsKey"}

// ClusterFixture is one Backend.AI fixture file's text (JSON as Backend.AI ships them,
// or YAML), applied in its order once the schema exists.
type ClusterFixture struct {
	// Name names its resource; unique among the fixtures.
	Name string `pulumi:"name"`
	// Data is the file's text; a secret (it holds passwords and secret keys).
	Data string `pulumi:"data" provider:"secret"`
}

// NewServedCluster is the Cluster component as the provider serves it: its inputs are
// checked as a stack's config is (every problem named by its field, before any
// resource), the secrets once their values are known, before the steps that use them.
func NewServedCluster(ctx *pulumi.Context, name string, in ClusterInputs, opts ...pulumi.ResourceOption) (*Cluster, error) {
	c, err := in.cluster(spec.LoadApart)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", name, err)
	}
	args, err := in.clusterArgs(c)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", name, err)
	}
	return NewCluster(ctx, name, args, opts...)
}

// clusterArgs are the arguments of c, the inputs' settings: the fixtures checked and
// the secrets, each checked once its value is known.
func (in ClusterInputs) clusterArgs(c spec.Cluster) (ClusterArgs, error) {
	files := make([]FixtureFile, len(in.Fixtures))
	for i, f := range in.Fixtures {
		files[i] = FixtureFile{Name: f.Name, Source: fmt.Sprintf("fixtures[%d] (%s)", i, f.Name), Data: f.Data}
	}
	var errs []error
	files, err := CheckFixtures(c.Line(), files, fixtures.Grants{VFolderHosts: VFolderHosts(c), Registries: c.Services.ImageRegistries})
	errs = append(errs, err)
	s := ClusterSecrets{PrivateKey: checkedSecret("sshPrivateKey", in.SSHPrivateKey),
		SuperadminSecretKey: checkedSecret("superadminSecretKey", in.SuperadminSecretKey),
		SuperadminPassword:  checkedSecret("superadminPassword", in.SuperadminPassword)}
	if !c.TestCluster && s.SuperadminPassword != nil {
		// As a stack's config is checked: no published example password unless the
		// cluster is a throwaway test cluster.
		s.SuperadminPassword = pulumi.ToSecret(s.SuperadminPassword.ToStringOutput().ApplyT(func(v string) (string, error) {
			if slices.Contains(spec.Published.Passwords, v) {
				return "", errors.New("superadminPassword: is one of Backend.AI's published example passwords; give your own, or leave it out to have one generated")
			}
			return v, nil
		})).(pulumi.StringOutput)
	}
	if in.SSHPrivateKey == nil {
		errs = append(errs, errors.New("sshPrivateKey: is required"))
	}
	if c.Deploy == spec.DeployAll {
		for _, secret := range []struct {
			key   string
			value pulumi.StringInput
			into  *pulumi.StringInput
		}{{"dbPassword", in.DBPassword, &s.DBPassword}, {"storageProxySecret", in.StorageProxySecret, &s.StorageProxySecret},
			{"storageProxyJWT", in.StorageProxyJWT, &s.StorageProxyJWT}} {
			if secret.value == nil {
				errs = append(errs, fmt.Errorf("%s: is required to deploy the services (or deploy: hosts)", secret.key))
			}
			*secret.into = checkedSecret(secret.key, secret.value)
		}
	}
	if t := c.Services.TLS; in.TLSKey != nil && (t == nil || t.Certificate == "") {
		errs = append(errs, errors.New("tlsKey: a key without services.tls.certificate: give the certificate it belongs to"))
	} else if t != nil && t.Certificate != "" {
		if in.TLSKey == nil {
			errs = append(errs, errors.New("tlsKey: is required with services.tls.certificate: its private key (PEM)"))
		} else {
			// Checked against the certificate once its value is known, never shown.
			s.TLSKey = pulumi.ToSecret(in.TLSKey.ToStringOutput().ApplyT(func(k string) (string, error) {
				return k, spec.CheckTLSKey(t.Certificate, k)
			})).(pulumi.StringOutput)
		}
	}
	if (c.Superadmin.AccessKey == "") != (in.SuperadminSecretKey == nil) {
		errs = append(errs, errors.New("superadmin.accessKey: the superadmin's own keypair needs both superadmin.accessKey and superadminSecretKey; give both, or neither to have them generated"))
	}
	if err := errors.Join(errs...); err != nil {
		return ClusterArgs{}, err
	}
	args, err := NewClusterArgs(c, files, s)
	if err != nil {
		return ClusterArgs{}, err
	}
	args.Connections = in.Connections
	return args, nil
}

// cluster is the inputs' settings as a stack's config would give them: each given
// key as its config key's JSON (what is left out keeps its default).
// load is spec.LoadApart or spec.LoadManagementPlane.
func (in ClusterInputs) cluster(load func(get func(string) (string, bool), set []string) (spec.Cluster, error)) (spec.Cluster, error) {
	if in.Settings != "" {
		return givenCluster(in.Settings, load)
	}
	// A Go caller's typed settings.
	return typedCluster(map[string]any{"nodes": in.Nodes, "version": in.Version, "deploy": in.Deploy, "account": in.Account,
		"limits": in.Limits, "sysctl": in.Sysctl, "docker": in.Docker, "halfstack": in.Halfstack, "services": in.Services,
		"agent": in.Agent, "images": in.Images, "storage": in.Storage, "verify": in.Verify, "superadmin": in.Superadmin,
		"resourcePresets": in.ResourcePresets, "testCluster": in.TestCluster}, load)
}

// typedCluster is the cluster of typed settings by config key: those set (not zero) are
// the settings given.
func typedCluster(typed map[string]any, load func(get func(string) (string, bool), set []string) (spec.Cluster, error)) (spec.Cluster, error) {
	settings := map[string]any{}
	for key, v := range typed {
		if !reflect.ValueOf(v).IsZero() {
			settings[key] = v
		}
	}
	raw, err := json.Marshal(settings)
	if err != nil {
		return spec.Cluster{}, fmt.Errorf("the settings: %w", err)
	}
	return givenCluster(string(raw), load)
}

// checkedSecret is a secret that fails, naming its key, when its value is wrong: once
// known, before any step that uses it.
func checkedSecret(key string, value pulumi.StringInput) pulumi.StringInput {
	if value == nil {
		return nil
	}
	return pulumi.ToSecret(value.ToStringOutput().ApplyT(func(v string) (string, error) {
		if err := spec.CheckSecret(key, v); err != nil {
			return "", err
		}
		return v, nil
	})).(pulumi.StringOutput)
}

// givenCluster is the cluster of the settings as the caller gave them: each key's value
// as its config key's JSON, an empty kernel parameter as null.
func givenCluster(given string, load func(get func(string) (string, bool), set []string) (spec.Cluster, error)) (spec.Cluster, error) {
	var settings map[string]json.RawMessage
	if err := json.Unmarshal([]byte(given), &settings); err != nil {
		return spec.Cluster{}, fmt.Errorf("the settings: %w", err)
	}
	keys := map[string]string{}
	for key, raw := range settings {
		keys[key] = string(raw)
		var text string
		if json.Unmarshal(raw, &text) == nil {
			keys[key] = text // a string key's value is its text
		}
	}
	if raw, ok := settings["sysctl"]; ok {
		var sysctl map[string]*string
		if err := json.Unmarshal(raw, &sysctl); err == nil {
			for k, v := range sysctl {
				if v != nil && *v == "" {
					sysctl[k] = nil
				}
			}
			fixed, _ := json.Marshal(sysctl)
			keys["sysctl"] = string(fixed)
		}
	}
	return load(func(key string) (string, bool) { v, ok := keys[key]; return v, ok }, nil)
}
