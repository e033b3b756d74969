#!/usr/bin/env bash
# Prints the Debian archive this machine's apt uses (the URI of its main suite), for
# debootstrap: the sandbox images come from the same mirror as the machine's packages,
# and no mirror is named in the repository.
set -euo pipefail
# shellcheck disable=SC2016 # apt expands $(...) in --format
mirror=$(apt-get indextargets --format '$(TARGET_OF) $(RELEASE) $(REPO_URI)' |
	awk '$1 == "deb" && $2 !~ /-/ { print $3; exit }')
if [ -z "$mirror" ]; then
	echo "debian-mirror: apt's sources name no Debian archive" >&2
	exit 1
fi
echo "${mirror%/}"
