package spec

import (
	"fmt"
	"net/netip"
	"path"
	"regexp"
	"strings"
)

// Storage is the cluster's shared vfolder storage, as Backend.AI's
// `docs/install/install-from-package/os-preparation.rst` ("Mount a shared storage") and
// `docs/install/install-from-source.rst` ("Setting Up Shared Storage") at 26.8.1 describe
// it: an NFS export, mounted at the same /vfroot/<name> on the management node and every
// agent, with one UID/GID for the storage proxy, the agents, the containers and the volume.
type Storage struct {
	// Server names an existing NFS server (an address or host name) that exports the
	// directory export names; empty, the nodes with the storage role serve the volumes.
	Server string `json:"server,omitempty" pulumi:"server,optional"`
	// Export is the exported directory: on the existing server, or on the storage node
	// (default /srv/backendai/<name>).
	Export string `json:"export,omitempty" pulumi:"export,optional"`
	// Name is the volume's name when one node (or the existing server) serves it:
	// /vfroot/<name>, the storage proxy's [volume.<name>]. A cluster with several
	// storage nodes names each node's volume (nodes[i].volume).
	Name string `json:"name,omitempty" pulumi:"name,optional"`
	// ExportOptions are the storage node's export options for the cluster's nodes.
	ExportOptions string `json:"exportOptions,omitempty" pulumi:"exportOptions,optional"`
	// MountOptions are the NFS mount options on every node that mounts the volumes.
	MountOptions string `json:"mountOptions,omitempty" pulumi:"mountOptions,optional"`
	// Server software on the storage nodes: "kernel" (nfs-kernel-server, default) or
	// "ganesha" (Debian's nfs-ganesha with its VFS backend, in userspace).
	NFSServer string `json:"nfsServer,omitempty" pulumi:"nfsServer,optional"`
	// Mount is how the nodes get the volumes: "nfs" (mount -t nfs from a marked
	// /etc/fstab block, default) or "shared", for hosts that cannot mount NFS themselves
	// (containers whose kernel has no NFS client): the export's directory is already
	// shared into every host at /vfroot/<name>, the /etc/fstab block is written with
	// noauto, and each host checks the export over NFS with libnfs's tools.
	Mount string `json:"mount,omitempty" pulumi:"mount,optional"`
	// UID and GID, when given, are the existing export's owner: they must be the
	// account's, which the storage proxy, the agents and the containers run as.
	UID *int `json:"uid,omitempty" pulumi:"uid,optional"`
	// GID is the existing export's group, as UID is its owner.
	GID *int `json:"gid,omitempty" pulumi:"gid,optional"`
	// Clients are more NFS clients the storage nodes export the volumes to, addresses or
	// networks (10.0.2.0/24): an agent pool's nodes, which another stack deploys. The
	// cluster's own nodes are always clients.
	Clients []string `json:"clients,omitempty" pulumi:"clients,optional"`
}

// Storage modes.
const (
	NFSKernel     = "kernel"
	NFSGanesha    = "ganesha"
	MountNFS      = "nfs"
	MountShared   = "shared"
	DefaultVolume = "nfs"
	// DefaultMountOptions are NFS 4.1, hard: the /etc/fstab entry that "Mount a shared
	// storage" in Backend.AI's docs/install/install-from-package/os-preparation.rst
	// (26.8.1) leaves to the storage's type.
	DefaultMountOptions = "rw,hard,noatime,nfsvers=4.1"
	// DefaultExportOptions let the nodes write as the account (root squashed).
	DefaultExportOptions = "rw,sync,no_subtree_check"
	// VFolderRoot is where every node mounts the volumes, /vfroot/<name>.
	VFolderRoot = "/vfroot"
	// LocalVolumePath is the single-node stack's volume: the local directory of "Mount a
	// shared storage" in Backend.AI's docs/install/install-from-package/os-preparation.rst
	// (26.8.1), for an installation on one server.
	LocalVolumePath = "/vfroot/local"
	// LocalVolumeName is its name in the storage proxy.
	LocalVolumeName = "volume1"
)

// Volume is one shared volume as the cluster serves and mounts it.
type Volume struct {
	// Name is the volume's name: the storage proxy's [volume.<name>].
	Name string
	// Path is where every node has it (/vfroot/<name>).
	Path string
	// Server is the node that exports it (empty for an existing server or a local volume);
	// Host is the address the other nodes mount it from.
	Server *Node
	Host   string
	// Export is the exported directory on Host.
	Export string
	// Local is the single-node stack's directory: no NFS.
	Local bool
}

var volumeName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

func defaultStorage() Storage {
	return Storage{ExportOptions: DefaultExportOptions, MountOptions: DefaultMountOptions, NFSServer: NFSKernel, Mount: MountNFS}
}

// Volumes are the cluster's vfolder volumes: the single-node stack's local directory,
// the existing server's export, or one per storage node.
func (c Cluster) Volumes() []Volume {
	s := c.Storage
	switch {
	case s.Server != "":
		name := orDefault(s.Name, DefaultVolume)
		return []Volume{{Name: name, Path: path.Join(VFolderRoot, name), Host: s.Server, Export: s.Export}}
	// One node keeps the OS preparation guide's local directory (LocalVolumePath),
	// unless it is a plane's storage node: other nodes' agents mount its volume.
	case len(c.Nodes) == 1 && (c.plane == WholeCluster || !c.Nodes[0].HasRole(RoleStorage)):
		return []Volume{{Name: LocalVolumeName, Path: LocalVolumePath, Local: true}}
	}
	var out []Volume
	servers := c.withRole(RoleStorage)
	for _, i := range servers {
		n := c.Nodes[i]
		name := n.Volume
		if name == "" && len(servers) == 1 {
			name = orDefault(s.Name, DefaultVolume)
		}
		export := s.Export
		if export == "" || len(servers) > 1 {
			export = path.Join("/srv/backendai", name)
		}
		out = append(out, Volume{Name: name, Path: path.Join(VFolderRoot, name), Server: &c.Nodes[i], Host: n.Address, Export: export})
	}
	return out
}

// Mounts reports whether the node mounts the shared volumes: the management node (its
// storage proxy) and every agent.
func (n Node) Mounts() bool { return n.HasRole(RoleManager) || n.HasRole(RoleAgent) }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (c Cluster) validateStorage(bad func(field, format string, args ...any)) {
	s := c.Storage
	if s.UID != nil && *s.UID != c.Account.UID {
		bad("storage.uid", "%d differs from account.uid %d: the volume, the storage proxy, the agents and the containers share one UID", *s.UID, c.Account.UID)
	}
	if s.GID != nil && *s.GID != c.Account.GID {
		bad("storage.gid", "%d differs from account.gid %d: the volume, the storage proxy, the agents and the containers share one GID", *s.GID, c.Account.GID)
	}
	if s.NFSServer != NFSKernel && s.NFSServer != NFSGanesha {
		bad("storage.nfsServer", "%q is not one of %q, %q", s.NFSServer, NFSKernel, NFSGanesha)
	}
	if s.Mount != MountNFS && s.Mount != MountShared {
		bad("storage.mount", "%q is not one of %q, %q", s.Mount, MountNFS, MountShared)
	}
	if s.Name != "" && !volumeName.MatchString(s.Name) {
		bad("storage.name", "%q is not a volume name (lower-case letters, digits, '-', '_')", s.Name)
	}
	if s.Export != "" && (!path.IsAbs(s.Export) || path.Clean(s.Export) != s.Export || s.Export == "/") {
		bad("storage.export", "%q is not a clean absolute directory below /", s.Export)
	}
	for field, opts := range map[string]string{"storage.exportOptions": s.ExportOptions, "storage.mountOptions": s.MountOptions} {
		if strings.TrimSpace(opts) == "" || strings.ContainsAny(opts, " \t\n#\"'()") {
			bad(field, "%q is not a comma-separated list of options", opts)
		}
	}
	for i, client := range s.Clients {
		if _, err := netip.ParseAddr(client); err != nil {
			if _, err := netip.ParsePrefix(client); err != nil {
				bad(fmt.Sprintf("storage.clients[%d]", i), "%q is neither an IP address nor a network such as 10.0.2.0/24", client)
			}
		}
	}
	servers := c.withRole(RoleStorage)
	switch {
	case s.Server != "":
		if _, err := netip.ParseAddr(s.Server); err != nil && !isHostName(s.Server) {
			bad("storage.server", "%q is neither an IP address nor a host name", s.Server)
		}
		if s.Export == "" {
			bad("storage.export", "is required with storage.server: the directory the server exports")
		}
	case len(c.Nodes) > 1 && len(servers) == 0:
		bad("nodes", "no node has the role %q to serve the shared /vfroot volume; give one, or name an existing NFS server in storage.server", RoleStorage)
	}
	names := map[string]string{}
	for _, i := range servers {
		n := c.Nodes[i]
		f := fmt.Sprintf("nodes[%d].volume", i)
		switch {
		case n.Volume == "" && len(servers) > 1:
			bad(f, "%d nodes have the role %q: name each one's volume", len(servers), RoleStorage)
		case n.Volume != "" && !volumeName.MatchString(n.Volume):
			bad(f, "%q is not a volume name (lower-case letters, digits, '-', '_')", n.Volume)
		case n.Volume != "" && names[n.Volume] != "":
			bad(f, "%q is already the volume of %s", n.Volume, names[n.Volume])
		}
		if n.Volume != "" {
			names[n.Volume] = fmt.Sprintf("nodes[%d]", i)
		}
	}
	for i, n := range c.Nodes {
		if n.Volume != "" && !n.HasRole(RoleStorage) {
			bad(fmt.Sprintf("nodes[%d].volume", i), "only a node with the role %q serves a volume", RoleStorage)
		}
	}
}
