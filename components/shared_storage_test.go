package components

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// storageCluster is the cluster of "Configure network aliases" in Backend.AI's
// docs/install/install-from-package/os-preparation.rst (26.8.1), bai-m1, bai-a01 and
// bai-a02, with an NFS storage node without Docker: a management node, two agents and
// the storage node.
func storageCluster(t *testing.T, storage string) spec.Cluster {
	t.Helper()
	cfg := map[string]string{
		"nodes": `[{"name":"bai-m1","address":"10.20.30.10","roles":["manager"]},
			{"name":"bai-a01","address":"10.20.30.20","roles":["agent"]},
			{"name":"bai-a02","address":"10.20.30.22","roles":["agent"]},
			{"name":"bai-s1","address":"10.20.30.30","roles":["storage"],"docker":false}]`,
		"version": "26.8.1", "dbPassword": "a-long-db-password", "storageProxySecret": "shared-secret",
		"storageProxyJWT": "jwt-secret", "halfstack": `{"engine":"script"}`, "sshPrivateKey": loginKey,
	}
	if storage != "" {
		cfg["storage"] = storage
	}
	c, err := spec.Load(func(k string) (string, bool) { v, ok := cfg[k]; return v, ok }, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSharedStorageGraph: the NFS server on the storage node alone; the mounts on the
// management node and every agent, none on the storage node, each after the server;
// the storage proxy's volume and each agent wait for their node's mount.
func TestSharedStorageGraph(t *testing.T) {
	m := runCluster(t, storageCluster(t, ""))
	if got, want := m.names("bai-s1-storage"), []string{"bai-s1-storage-nfs-server"}; !slices.Equal(got, want) {
		t.Errorf("the storage node's storage steps: %v, want %v", got, want)
	}
	for _, node := range []string{"bai-m1", "bai-a01", "bai-a02"} {
		if got, want := m.names(node+"-storage"), []string{node + "-storage-vfroot"}; !slices.Equal(got, want) {
			t.Errorf("%s's storage steps: %v, want %v", node, got, want)
		}
		m.waitsFor(t, node+"-storage-vfroot", "bai-s1-storage-nfs-server", node+"-account")
		env := m.get(node + "-storage-vfroot").inputs["environment"].ObjectValue()
		if got := env["VOLUMES"].StringValue(); got != "/vfroot/nfs=10.20.30.30:/srv/backendai/nfs" {
			t.Errorf("%s mounts %q", node, got)
		}
		if got := env["MOUNT_MODE"].StringValue(); got != spec.MountNFS {
			t.Errorf("%s mounts by %q", node, got)
		}
	}
	m.waitsFor(t, "bai-m1-mgmt-volumes", "bai-m1-storage-vfroot")
	m.waitsFor(t, "bai-a01-agent-agent-service", "bai-a01-storage-vfroot")
	m.waitsFor(t, "bai-a02-agent-agent-service", "bai-a02-storage-vfroot")
	server := m.get("bai-s1-storage-nfs-server").inputs["environment"].ObjectValue()
	if !strings.Contains(server["SERVER_CONFIG"].StringValue(), "/srv/backendai/nfs 10.20.30.10(") || server["NFS_SERVER"].StringValue() != spec.NFSKernel {
		t.Errorf("the storage node's exports:\n%s", server["SERVER_CONFIG"].StringValue())
	}
	sp := m.get("bai-m1-mgmt-storage-proxy-config").inputs["environment"].ObjectValue()["CONFIG_TEXT"].StringValue()
	if !strings.Contains(sp, "[volume.nfs]\nbackend = 'vfs'\npath = '/vfroot/nfs'") {
		t.Errorf("storage-proxy.toml does not serve the shared volume:\n%s", sp)
	}
}

// TestSharedStorageExisting: an existing NFS server needs no server step; every node
// mounts its export.
func TestSharedStorageExisting(t *testing.T) {
	m := runCluster(t, storageCluster(t, `{"server":"nfs.lan","export":"/export/vfroot","name":"data","mountOptions":"rw,hard,nfsvers=4.2"}`))
	if got := m.names("bai-s1-storage"); len(got) != 0 {
		t.Errorf("steps on the unused storage node: %v", got)
	}
	env := m.get("bai-a01-storage-vfroot").inputs["environment"].ObjectValue()
	if got := env["FSTAB_BLOCK"].StringValue(); got != "nfs.lan:/export/vfroot /vfroot/data nfs rw,hard,nfsvers=4.2,_netdev 0 0" {
		t.Errorf("fstab block %q", got)
	}
}

// TestSharedStorageOneNode: the one-node stack keeps the local directory: no NFS.
func TestSharedStorageOneNode(t *testing.T) {
	m := runCluster(t, managementCluster(t, "x"))
	for _, r := range m.all {
		if strings.HasSuffix(r.name, "-storage-vfroot") || strings.HasSuffix(r.name, "-storage-nfs-server") {
			t.Errorf("a one-node stack has %s", r.name)
		}
	}
	sp := m.get("bai-m1-mgmt-storage-proxy-config").inputs["environment"].ObjectValue()["CONFIG_TEXT"].StringValue()
	if !strings.Contains(sp, "[volume.volume1]\nbackend = 'vfs'\npath = '/vfroot/local'") {
		t.Errorf("storage-proxy.toml:\n%s", sp)
	}
}

// TestStorageChangeTouchesOnlyWhereItChanged: new export options rerun only the NFS
// server's step; new mount options only the mounts (which remount, vfroot.sh), nothing
// of the server, the services or the agents.
func TestStorageChangeTouchesOnlyWhereItChanged(t *testing.T) {
	before := runCluster(t, storageCluster(t, ""))
	for _, tt := range []struct {
		storage string
		want    []string
	}{
		{`{"exportOptions":"rw,async,no_subtree_check"}`, []string{"bai-s1-storage-nfs-server"}},
		{`{"mountOptions":"rw,hard,noatime,nfsvers=4.2"}`, []string{"bai-a01-storage-vfroot", "bai-a02-storage-vfroot", "bai-m1-storage-vfroot"}},
	} {
		after := runCluster(t, storageCluster(t, tt.storage))
		var changed []string
		for _, r := range after.all {
			if b := before.get(r.name); b.name == "" || fmt.Sprint(b.inputs) != fmt.Sprint(r.inputs) {
				changed = append(changed, r.name)
			}
		}
		slices.Sort(changed)
		if !slices.Equal(changed, tt.want) {
			t.Errorf("storage %s changes %v, want %v", tt.storage, changed, tt.want)
		}
	}
}
