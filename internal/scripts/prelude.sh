# The functions the steps' scripts share; the provider sends it ahead of each script.
#   apt_get ARGS...  apt-get, one at a time on the node (steps run in parallel, and apt's
#                    lists lock does not wait), after finishing a dpkg run that an earlier
#                    step left half done (its host stopped, or its SSH was cut), as apt asks
#   as_bai CMD...    CMD as the operations account ($BAI_USER), with its groups and home
#   drift WHAT       in a check (a refresh), reports WHAT, which a run would put right, and
#                    succeeds; in a run it fails, and the caller puts WHAT right
#   read_drift WHAT CMD...
#                    in a check, runs CMD (which reads its stdin, such as SQL) and reports
#                    the "drift: ..." lines it prints; a CMD that fails is reported as WHAT
#                    that could not be read
apt_get() {
	flock /run/lock/backendai-apt.lock sh -c '
		if [ -n "$(ls -A /var/lib/dpkg/updates 2>/dev/null)" ]; then dpkg --configure -a >/dev/null; fi
		exec apt-get -o DPkg::Lock::Timeout=300 "$@"' apt_get "$@"
}
as_bai() { setpriv --reuid="$BAI_USER" --regid="$(id -g "$BAI_USER")" --init-groups env HOME="$(getent passwd "$BAI_USER" | cut -d: -f6)" "$@"; }
drift() { [ "${BAI_CHECK:-}" = 1 ] && echo "drift: $*"; }
read_drift() {
	local what=$1 out
	shift
	if ! out=$("$@" 2>&1); then
		echo "drift: $what could not be read ($1 failed)"
		return 0
	fi
	grep '^drift: ' <<<"$out" || true
}
