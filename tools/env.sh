# Sourced by the project's scripts: the Pulumi CLI built into bin/, a local file
# backend, and no prompts, update checks or plugin downloads.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$root/bin:/usr/local/go/bin:$PATH"
export PULUMI_HOME="${PULUMI_HOME:-$root/.pulumi-home}"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$root/.pulumi-state}"
# The sandbox stack's secrets are encrypted with this passphrase unless one is given.
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-sandbox}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_IGNORE_AMBIENT_PLUGINS=true
export PULUMI_SKIP_CONFIRMATIONS=true
export PULUMI_SKIP_NEW_VERSION_CHECK=true
# The engine's operations at once (the CLI's default is 4 per CPU): a cluster's steps
# mostly wait on their hosts, and long ones (packages, image pulls) would hold the slots
# that the next steps on other hosts need.
export PULUMI_PARALLEL="${PULUMI_PARALLEL:-64}"
# A failed step stops what depends on it, not the other nodes' steps: one broken host does
# not hold the rest of the cluster back (the up still fails, naming it).
export PULUMI_CONTINUE_ON_ERROR="${PULUMI_CONTINUE_ON_ERROR:-true}"
unset SSH_AUTH_SOCK
mkdir -p "${PULUMI_BACKEND_URL#file://}"
