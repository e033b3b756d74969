#!/usr/bin/env bash
# The kernel images an agent pulls ahead of the first session: each pulled only when the
# engine does not have it. Images no longer listed are left (a session may use them).
#   IMAGES="cr.backend.ai/stable/python:3.13-ubuntu24.04 ..." images.sh
# A refresh does not read this step back yet: a hand change goes unnoticed until its inputs change.
set -euo pipefail
changed=no
for ref in ${IMAGES:-}; do
	if docker image inspect "$ref" >/dev/null 2>&1; then continue; fi
	if ! out=$(docker pull --quiet "$ref" 2>&1); then
		echo "images: pulling $ref failed: $out" >&2
		exit 1
	fi
	changed=yes
done
echo "images: ${IMAGES:-none} changed=$changed"
