package components

import "github.com/pulumi/pulumi-go-provider/infer"

// The Host component's documentation in the package's schema, which its SDKs carry.

func (h *Host) Annotate(a infer.Annotator) {
	a.Describe(&h, "One node's operating system prepared for Backend.AI, as Backend.AI's OS preparation guide "+
		"(`docs/install/install-from-package/os-preparation.rst` at 26.8.1) prepares it: the node's facts, the operations "+
		"account, the /etc/hosts block of the cluster's nodes, resource limits, kernel parameters and Docker Engine. Each is "+
		"a convergent step over SSH (backendai:remote:Script).")
	a.Describe(&h.Facts, "The node's OS, version, architecture, CPUs, memory and NVIDIA GPU presence, as JSON.")
	a.Describe(&h.Docker, "The installed Docker Engine and Compose versions, or why Docker is not installed.")
}

func (a *HostArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.Connection, "How the node is reached over SSH.")
	an.Describe(&a.Account, "The operations account that installs and runs the services; default bai, UID and GID 1100.")
	an.Describe(&a.Aliases, "The lines of the marked block in /etc/hosts: every node of the cluster, this one included.")
	an.Describe(&a.Limits, "root's and the account's open files and processes; default 512000 and 65536.")
	an.Describe(&a.Sysctl, "The kernel parameters written to /etc/sysctl.d/99-backendai.conf and applied; default the 14 of "+
		"\"Optimize sysctl/ulimit parameters\" in Backend.AI's `docs/install/install-from-package/os-preparation.rst` (26.8.1).")
	an.Describe(&a.Docker, "Docker Engine on the node; default installed from Docker's apt repository.")
}

func (c *HostConnection) Annotate(a infer.Annotator) {
	a.Describe(&c.Host, "The address to connect to.")
	a.Describe(&c.Port, "The SSH port; default 22.")
	a.Describe(&c.User, "The user to log in as; default root. Any other user needs password-less sudo.")
	a.Describe(&c.PrivateKey, "The login key, in OpenSSH or PEM form, without a passphrase; required (an agent pool's node "+
		"without one logs in with the pool's privateKey).")
	a.Describe(&c.HostKey, "The node's host key in authorized_keys form (\"ssh-ed25519 AAAA...\"); given, it is checked.")
}

func (a *HostAccount) Annotate(an infer.Annotator) {
	an.Describe(&a.Name, "The account's name.")
	an.Describe(&a.UID, "Its user id, the same on every node (the shared storage's files are its).")
	an.Describe(&a.GID, "Its group id, the same on every node.")
}

func (a *HostAlias) Annotate(an infer.Annotator) {
	an.Describe(&a.Address, "The node's address, as the other nodes reach it.")
	an.Describe(&a.Name, "The node's alias.")
	an.Describe(&a.Roles, "The node's roles (manager, agent, storage), noted beside it.")
}

func (l *HostLimits) Annotate(a infer.Annotator) {
	a.Describe(&l.NoFile, "The open-file limit (nofile), soft and hard.")
	a.Describe(&l.NProc, "The process limit (nproc), soft and hard.")
}

func (d *HostDocker) Annotate(a infer.Annotator) {
	a.Describe(&d.Install, "false leaves Docker off the node (a storage node); default true.")
	a.Describe(&d.Source, "\"docker-ce\" (Docker's apt repository, as Backend.AI's OS preparation guide, "+
		"`docs/install/install-from-package/os-preparation.rst` at 26.8.1, installs it; the default) or \"distro\" (the "+
		"distribution's docker.io and compose packages).")
	a.Describe(&d.InsecureRegistries, "Registries (host:port) Docker may pull from without verified TLS (daemon.json).")
}
