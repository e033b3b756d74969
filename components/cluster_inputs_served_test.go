package components

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// TestServedClusterTyped: a Go caller's typed settings are the settings given: the ones
// it set (an empty kernel parameter leaves the OS preparation guide's out), the rest
// their defaults.
func TestServedClusterTyped(t *testing.T) {
	m := &mocks{}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := NewServedCluster(ctx, "cluster", ClusterInputs{
			Nodes:         []spec.Node{{Name: "bai-m1", Address: "10.20.30.10", Roles: []spec.Role{spec.RoleManager, spec.RoleAgent}}},
			Deploy:        spec.DeployHosts,
			Sysctl:        map[string]string{"net.core.somaxconn": "4096", "fs.file-max": ""},
			SSHPrivateKey: pulumi.ToSecret(pulumi.String(loginKey)).(pulumi.StringOutput),
		})
		return err
	}, pulumi.WithMocks("p", "s", m))
	if err != nil {
		t.Fatal(err)
	}
	conf := m.get("bai-m1-sysctl").inputs["environment"].ObjectValue()["SYSCTL_CONF"].StringValue()
	if !strings.Contains(conf, "net.core.somaxconn=4096") || strings.Contains(conf, "fs.file-max") || !strings.Contains(conf, "vm.overcommit_memory") {
		t.Errorf("the sysctl step's parameters:\n%s", conf)
	}
	if got := m.names("bai-m1-mgmt"); len(got) != 0 {
		t.Errorf("deploy: hosts, but the management node's steps %v", got)
	}
}
