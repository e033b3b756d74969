#!/usr/bin/env bash
# The storage proxy's local volumes (the [volume.*] paths of "Local configuration" in
# Backend.AI's docs/install/install-from-package/install-storage-proxy.rst at 26.8.1):
# each volume's directory, owned by the operations account, with the vfolder layout
# version (3) written when the volume is new (the storage proxy takes a volume without
# version.txt for layout 2: src/ai/backend/storage/migration.py at 26.8.1). An existing
# version.txt is left as it is: another layout needs the storage proxy's migration, not an
# overwrite. Nothing is ever deleted here.
#   VOLUME_PATHS="/vfroot/local" BAI_USER=bai volumes.sh
# A refresh reads back that each volume's directory and its version.txt are there (not
# their owner or the version in it, which a run leaves as they are).
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${VOLUME_PATHS:?}" "${BAI_USER:?}"
group=$(id -gn "$BAI_USER")
changed=no
for dir in $VOLUME_PATHS; do
	if [ ! -d "$dir" ]; then
		drift "$dir is missing" && continue
		install -d -m 0755 -o "$BAI_USER" -g "$group" "$dir"
		changed=yes
	fi
	if [ ! -e "$dir/version.txt" ]; then
		drift "$dir/version.txt is missing" && continue
		echo 3 >"$dir/version.txt"
		chown "$BAI_USER:$group" "$dir/version.txt"
		changed=yes
	fi
done
echo "volumes: $VOLUME_PATHS changed=$changed"
