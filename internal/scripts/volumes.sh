#!/usr/bin/env bash
# The storage proxy's local volumes (seed 004 step 23): each volume's directory, owned by
# the operations account, with the vfolder layout version (3) written when the volume is
# new. An existing version.txt is left as it is: another layout needs the storage
# proxy's migration, not an overwrite. Nothing is ever deleted here.
#   VOLUME_PATHS="/vfroot/local" BAI_USER=bai volumes.sh
# A refresh does not read this step back yet: a hand change goes unnoticed until its inputs change.
set -euo pipefail
: "${VOLUME_PATHS:?}" "${BAI_USER:?}"
group=$(id -gn "$BAI_USER")
changed=no
for dir in $VOLUME_PATHS; do
	if [ ! -d "$dir" ]; then
		install -d -m 0755 -o "$BAI_USER" -g "$group" "$dir"
		changed=yes
	fi
	if [ ! -e "$dir/version.txt" ]; then
		echo 3 >"$dir/version.txt"
		chown "$BAI_USER:$group" "$dir/version.txt"
		changed=yes
	fi
done
echo "volumes: $VOLUME_PATHS changed=$changed"
