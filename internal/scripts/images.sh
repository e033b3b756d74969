#!/usr/bin/env bash
# The kernel images an agent pulls ahead of the first session: each pulled only when the
# engine does not have it. Images no longer listed are left (a session may use them).
#   IMAGES="cr.backend.ai/stable/python:3.13-ubuntu24.04 ..." images.sh
# A refresh reads back that the engine has each image (by reference, not which digest).
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
changed=no
for ref in ${IMAGES:-}; do
	if docker image inspect "$ref" >/dev/null 2>&1; then continue; fi
	# BAI_CHECK=1: nothing is pulled; an image the engine lacks is drift.
	if [ "${BAI_CHECK:-}" = 1 ]; then
		echo "drift: the image $ref is not on the engine"
		continue
	fi
	if ! out=$(docker pull --quiet "$ref" 2>&1); then
		echo "images: pulling $ref failed: $out" >&2
		exit 1
	fi
	changed=yes
done
echo "images: ${IMAGES:-none} changed=$changed"
