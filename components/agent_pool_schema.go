package components

import "github.com/pulumi/pulumi-go-provider/infer"

// The AgentPool component's documentation in the package's schema, which its SDKs carry.

func (p *AgentPool) Annotate(a infer.Annotator) {
	a.Describe(&p, "Agent nodes that join a Backend.AI cluster another stack runs (one team runs the management plane, "+
		"each GPU rack or group is its own stack). The cluster stack's output agentPool says how to join it. Each node's "+
		"host is prepared as the cluster's are (Host), the cluster's volumes are mounted, and its agent, from the cluster's "+
		"release, registers with the cluster's manager; the nodes converge in parallel. A node removed from the pool, or "+
		"the pool destroyed, has its agent stopped and disabled, so the manager marks it gone; the cluster and the node's "+
		"data stay.")
	a.Describe(&p.Agents, "The pool's agents' ids in the manager (\"i-<node name>\").")
	a.Describe(&p.Manager, "The cluster's manager API the agents registered with.")
}

func (a *AgentPoolArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.Cluster, "The cluster stack's output agentPool itself, for a program that has it otherwise; give it or clusterStack.")
	an.Describe(&a.ClusterStack, "The cluster stack's fully qualified name, such as organization/backendai-cluster/prod; "+
		"it must be deployed, and its output agentPool is read through a stack reference.")
	an.Describe(&a.PrivateKey, "The login key of every node whose connection gives none (OpenSSH or PEM form).")
	an.Describe(&a.Nodes, "The pool's agent nodes; none may be a node of the cluster stack, or given twice.")
}

func (n *PoolNode) Annotate(a infer.Annotator) {
	a.Describe(&n.Name, "The node's alias in /etc/hosts; its agent's id is \"i-<name>\". Unique in the cluster.")
	a.Describe(&n.Address, "The node's IP address, as the manager and the other nodes reach it.")
	a.Describe(&n.Connection, "How the node is reached over SSH.")
	a.Describe(&n.Accelerators, "The agent's accelerator plugins.")
}

func (p *PoolAccelerator) Annotate(a infer.Annotator) {
	a.Describe(&p.Kind, "\"nvidia\" (CUDA, with the NVIDIA container toolkit), \"mock\" (Backend.AI's mock plugin) or "+
		"\"plugin\" (another vendor's, named by package and module).")
	a.Describe(&p.Devices, "How many devices the mock plugin reports; default 2.")
	a.Describe(&p.Package, "Another vendor's plugin's PyPI package (kind plugin).")
	a.Describe(&p.Module, "Its module, which goes into the agent's allow-compute-plugins (kind plugin).")
}

func (r *ClusterRef) Annotate(a infer.Annotator) {
	a.Describe(&r, "What agents need to join a cluster: a cluster stack's output agentPool, as it exports it.")
	a.Describe(&r.Release, "The cluster's Backend.AI release, which the pool's agents install.")
	a.Describe(&r.Manager, "The manager's API URL.")
	a.Describe(&r.Etcd, "etcd as the agents reach it (host:port).")
	a.Describe(&r.Namespace, "Backend.AI's etcd namespace.")
	a.Describe(&r.ManagerPublicKey, "The manager's RPC public certificate, which the agents trust.")
	a.Describe(&r.Volumes, "The cluster's vfolder hosts (\"<storage proxy>:<volume>\").")
	a.Describe(&r.Account, "The operations account, the same on every node.")
	a.Describe(&r.Spec, "The cluster's settings that every node shares, as JSON (no secret, no node's SSH login).")
}
