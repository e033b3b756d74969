package scripts

import _ "embed"

//go:embed verify_cluster.sh
var verifyClusterSh string

// VerifyCluster is verify_cluster.sh, after the prelude.
var VerifyCluster = prelude + verifyClusterSh

// VerifyClusterInput is verify_cluster.sh's, but for the superadmin's keypair
// (BACKEND_ACCESS_KEY, BACKEND_SECRET_KEY) and the regular user's secret key
// (USER_SECRET_KEY), secrets. Sum names what the cluster was deployed with: the step
// runs again when it changes.
type VerifyClusterInput struct {
	ClientDir  string `env:"CLIENT_DIR"`
	User       string `env:"BAI_USER"`
	ManagerURL string `env:"MANAGER_URL"`
	Version    string `env:"VERSION"`
	Agents     string `env:"AGENTS"`
	Volumes    string `env:"VOLUMES"`
	Image      string `env:"IMAGE"`
	// UserAccessKey is a regular user's of the fixtures; empty: no user check.
	UserAccessKey string `env:"USER_ACCESS_KEY"`
	// Apps are opened through the App Proxy, space-separated; empty: no apps check.
	// WorkerURL is the App Proxy worker's API, named when an app does not open.
	Apps      string `env:"APPS"`
	WorkerURL string `env:"WORKER_URL,omitempty"`
	// CAFile (a file on the node) or CACert (its text) is the certificate the App
	// Proxy's worker is checked against when it serves HTTPS.
	CAFile string `env:"CA_FILE,omitempty"`
	CACert string `env:"CA_CERT,omitempty"`
	Sum    string `env:"CLUSTER_SHA256"`
}

func (VerifyClusterInput) Script() string { return VerifyCluster }
