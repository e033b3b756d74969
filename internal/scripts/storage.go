package scripts

import (
	"fmt"
	"strings"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// The shared storage's OS files: what a storage node exports (the kernel server's
// exports file or nfs-ganesha's configuration) and the marked /etc/fstab block every
// node that mounts the volumes gets.

// Clients are the addresses of the nodes that mount the volumes.
func Clients(c spec.Cluster) []string {
	var out []string
	for _, n := range c.Nodes {
		if n.Mounts() {
			out = append(out, n.Address)
		}
	}
	return append(out, c.Storage.Clients...)
}

// exportOptions are the stack's export options with every client's writes squashed to
// the account, so that whatever node or container writes, the files are the account's.
func exportOptions(c spec.Cluster) string {
	opts := c.Storage.ExportOptions
	if !strings.Contains(opts, "squash") {
		opts += fmt.Sprintf(",all_squash,anonuid=%d,anongid=%d", c.Account.UID, c.Account.GID)
	}
	return opts
}

// ExportsFile is /etc/exports.d/backendai.exports for the kernel NFS server on node:
// each volume it serves, to each node that mounts it.
func ExportsFile(c spec.Cluster, node string) string {
	var b strings.Builder
	b.WriteString("# Rendered by backendai-infra: the shared vfolder volumes (replaced on the next `pulumi up`).\n")
	for _, v := range c.Volumes() {
		if v.Server == nil || v.Server.Name != node {
			continue
		}
		fmt.Fprintf(&b, "%s", v.Export)
		for _, client := range Clients(c) {
			fmt.Fprintf(&b, " %s(%s)", client, exportOptions(c))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// GaneshaConf is /etc/ganesha/ganesha.conf for nfs-ganesha on node: NFSv4 over TCP, each
// volume it serves exported at its own path through the VFS backend, every client
// squashed to the account.
func GaneshaConf(c spec.Cluster, node string) string {
	var b strings.Builder
	b.WriteString(`# Rendered by backendai-infra: the shared vfolder volumes (replaced on the next ` + "`pulumi up`" + `).
NFS_CORE_PARAM {
	Protocols = 4;
	NFS_Port = 2049;
	# Where the server may not mark itself an I/O flusher (a container), it runs anyway.
	allow_set_io_flusher_fail = true;
}
NFSV4 {
	# No grace period after a restart: the clients are this cluster's nodes.
	Graceless = true;
}
`)
	id := 0
	for _, v := range c.Volumes() {
		if v.Server == nil || v.Server.Name != node {
			continue
		}
		id++
		fmt.Fprintf(&b, `EXPORT {
	Export_Id = %d;
	Path = %q;
	Pseudo = %q;
	Protocols = 4;
	Transports = TCP;
	SecType = sys;
	Access_Type = None;
	Squash = All_Squash;
	Anonymous_Uid = %d;
	Anonymous_Gid = %d;
	CLIENT {
		Clients = %s;
		Access_Type = RW;
	}
	FSAL {
		Name = VFS;
	}
}
`, id, v.Export, v.Export, c.Account.UID, c.Account.GID, strings.Join(Clients(c), ", "))
	}
	return b.String()
}

// Source is the volume as mount names it, host:/export (an IPv6 host in brackets).
func Source(v spec.Volume) string {
	host := v.Host
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return host + ":" + v.Export
}

// FstabBlock is the marked /etc/fstab block of the NFS volumes: each mounted at
// /vfroot/<name> after the network is up.
func FstabBlock(c spec.Cluster) string {
	var lines []string
	for _, v := range c.Volumes() {
		if v.Local {
			continue
		}
		lines = append(lines, fmt.Sprintf("%s %s nfs %s,_netdev 0 0", Source(v), v.Path, c.Storage.MountOptions))
	}
	return strings.Join(lines, "\n")
}
