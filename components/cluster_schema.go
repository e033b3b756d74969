package components

import "github.com/pulumi/pulumi-go-provider/infer"

// The Cluster component's documentation in the package's schema, which its SDKs carry.

func (c *Cluster) Annotate(a infer.Annotator) {
	a.Describe(&c, "A whole Backend.AI cluster, as one stack of this package's program declares it: every node's host "+
		"prepared (Host), the shared storage, the management node's halfstack and services from Backend.AI's released "+
		"packages, the agents, and the verification that ends the deployment (agents ALIVE, a compute session runs). "+
		"Its settings have the same names, defaults and checks as the program's stack config (backendai-cluster:*).")
	a.Describe(&c.Endpoints, "The webserver's (the Web UI's) and the manager's URLs.")
	a.Describe(&c.AgentPool, "What an AgentPool of another stack joins the cluster with, as JSON: export it as the stack "+
		"output agentPool, and give the pool that stack's name.")
	a.Describe(&c.VerificationResult, "What the verification checked, when, and how long each check took, as JSON.")
	a.Describe(&c.Login, "The superadmin's login: email, accessKey, secretKey and password (generated unless given).")
}

func (in *ClusterInputs) Annotate(a infer.Annotator) {
	a.Describe(&in.Nodes, "The cluster's hosts: exactly one with the role manager; storage nodes serve the shared volumes "+
		"over NFS. A Cluster has at least one agent; a ManagementNode has none (agents join it with AgentNode or AgentPool).")
	a.Describe(&in.Version, "The Backend.AI release to install (lines 26.4, 26.8 and 26.9).")
	a.Describe(&in.Deploy, "all (the default): the hosts and the services; hosts: stop after preparing the hosts.")
	a.Describe(&in.Account, "The operations account that installs and runs the services; default bai, 1100.")
	a.Describe(&in.Limits, "root's and the account's open files and processes.")
	a.Describe(&in.Sysctl, "Kernel parameters merged onto those of \"Optimize sysctl/ulimit parameters\" in Backend.AI's "+
		"`docs/install/install-from-package/os-preparation.rst` (26.8.1) for /etc/sysctl.d/99-backendai.conf; an empty "+
		"value leaves that guide's parameter out.")
	a.Describe(&in.Docker, "Where Docker Engine comes from, and registries it may pull from without verified TLS.")
	a.Describe(&in.Halfstack, "The management node's PostgreSQL, Redis and etcd.")
	a.Describe(&in.Services, "The Backend.AI services' settings.")
	a.Describe(&in.Agent, "The settings every agent shares.")
	a.Describe(&in.Images, "The kernel images every agent pulls.")
	a.Describe(&in.Storage, "The shared vfolder storage.")
	a.Describe(&in.Verify, "The check that ends a Cluster's deployment (a ManagementNode's is a Verification of its own).")
	a.Describe(&in.Superadmin, "The cluster's first superadmin, generated unless given.")
	a.Describe(&in.ResourcePresets, "The session sizes offered; default Backend.AI's own, unless a fixture declares them.")
	a.Describe(&in.TestCluster, "true says the cluster is a throwaway test cluster: Backend.AI's published example "+
		"credentials are allowed in its fixtures.")
	a.Describe(&in.Fixtures, "Backend.AI fixture files, applied in order once the schema exists.")
	a.Describe(&in.Connections, "How to reach nodes, by node name, where their ssh settings cannot say it: values other "+
		"resources give (a machine's address, its host key, its own login key). A node not named here is reached as its ssh "+
		"settings say, with sshPrivateKey.")
	a.Describe(&in.SSHPrivateKey, "The key that logs in to every node (OpenSSH or PEM form, no passphrase).")
	a.Describe(&in.DBPassword, "PostgreSQL's superuser password; required unless deploy is hosts.")
	a.Describe(&in.StorageProxySecret, "The secret the manager and the storage proxy share; required unless deploy is hosts.")
	a.Describe(&in.StorageProxyJWT, "The storage proxy's JWT signing secret; required unless deploy is hosts.")
	a.Describe(&in.SuperadminSecretKey, "The superadmin's own secret key, with superadmin.accessKey; default generated.")
	a.Describe(&in.SuperadminPassword, "The superadmin's own password; default generated.")
	a.Describe(&in.TLSKey, "The private key (PEM) of services.tls.certificate, with which the webserver and the App Proxy's "+
		"worker serve HTTPS.")
}

func (f *ClusterFixture) Annotate(a infer.Annotator) {
	a.Describe(&f.Name, "Names its resource; unique among the fixtures.")
	a.Describe(&f.Data, "The file's text: JSON as Backend.AI ships its fixtures, or YAML.")
}
