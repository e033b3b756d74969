#!/usr/bin/env bash
# A private CA the node trusts (services.tls.ca): its certificate in the system's trust
# store (/usr/local/share/ca-certificates, update-ca-certificates), so the services'
# own HTTPS clients (the manager's calls to the App Proxy's coordinator, the worker's)
# trust the certificate it signed. Rewritten, and the store updated, only when it
# changes.
#   CA_CERT="-----BEGIN CERTIFICATE-----..." ca_trust.sh
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${CA_CERT:?}"
file=/usr/local/share/ca-certificates/backendai-infra.crt
changed=no
# BAI_CHECK=1: nothing is installed or written; a CA file that differs is drift.
if [ "${BAI_CHECK:-}" = 1 ]; then
	cmp -s "$file" <(printf '%s\n' "${CA_CERT%$'\n'}") || echo "drift: $file differs"
	exit 0
fi
if ! command -v update-ca-certificates >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt_get install -y -q ca-certificates >/dev/null
	changed=yes
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
printf '%s\n' "${CA_CERT%$'\n'}" >"$tmp"
if ! cmp -s "$tmp" "$file"; then
	install -D -m 0644 "$tmp" "$file"
	update-ca-certificates >/dev/null
	changed=yes
fi
echo "ca: $file changed=$changed"
