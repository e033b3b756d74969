#!/usr/bin/env bash
# Sandbox hosts: Debian containers on this machine that stand in for cluster nodes.
#
#   sandbox.sh up [NAME:ROLES ...]   start hosts (default: bai-m1:manager,storage bai-a01:agent)
#                                    and write Pulumi.$SANDBOX_STACK.yaml for them
#   sandbox.sh add NAME...           start more hosts for the stack (an agent pool's), sharing its
#                                    volume; print "NAME ADDRESS SSH-PORT HOST-KEY" for each
#   sandbox.sh down                  remove the hosts (and dockerd, if this script started it
#                                    and no other sandbox hosts are left)
#   sandbox.sh ssh NAME [CMD...]     run a command on a host over SSH
#   sandbox.sh forward NAME PORT:ADDR:PORT...
#                                    make a loopback port of this machine (ADDR:PORT) reachable
#                                    on the host's own loopback (127.0.0.1:PORT), until killed
#   sandbox.sh engine                start dockerd if it is not running (`down` stops it)
#
# SANDBOX_STACK (default "sandbox") names the stack; several can run side by side.
# SANDBOX_KEEP_ENGINE=1 keeps dockerd running on `down` (a test run stops it at its end).
# SANDBOX_INIT=systemd makes systemd the hosts' PID 1, as on a real node, so that units
# really start and restart; by default PID 1 is sshd alone.
#
# Shared storage: the hosts have no NFS client in their kernel, so one directory of this
# machine is shared into every host at /vfroot/nfs (the stand-in for the NFS mount) and at
# /srv/backendai/nfs (the storage node's export, which nfs-ganesha serves for real), and
# the stack file selects that stand-in (storage: {nfsServer: ganesha, mount: shared}).
#
# Each host runs sshd published on 127.0.0.1 only. No registry is reachable here, so the
# image is built locally: debootstrap of Debian 13 (trixie) from the Debian mirror this
# machine's apt uses (tools/debian-mirror.sh), imported with `docker import`, cached as a
# tarball. Test traffic goes only to 127.0.0.1 and to
# these containers.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
state="$root/.sandbox"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/backendai-infra"
suite=trixie
image="backendai-sandbox:$suite-3"
label=backendai-infra.sandbox
stack=${SANDBOX_STACK:-sandbox}
packages=openssh-server,sudo,ca-certificates,curl,gnupg,iproute2,procps,kmod,lsb-release,pciutils,systemd-sysv

log() { printf 'sandbox: %s\n' "$*" >&2; }

ensure_dockerd() {
	if docker info >/dev/null 2>&1; then return; fi
	command -v dockerd >/dev/null || { log "dockerd is missing: apt-get install docker.io"; exit 1; }
	log "starting dockerd (storage driver vfs)"
	mkdir -p "$state"
	# Not holding the engine's lock: it is released when this script ends.
	dockerd --storage-driver=vfs >"$state/dockerd.log" 2>&1 {lock}>&- &
	echo $! >"$state/dockerd.pid"
	for _ in $(seq 60); do docker info >/dev/null 2>&1 && return; sleep 1; done
	log "dockerd did not come up; see $state/dockerd.log"
	exit 1
}

ensure_image() {
	if docker image inspect "$image" >/dev/null 2>&1; then return; fi
	local tarball="$cache/rootfs-$suite-3.tar"
	if [ ! -s "$tarball" ]; then
		prepare() {
			install -m 0755 "$root/tests/sandbox/sandbox-init.sh" "$1/usr/local/sbin/sandbox-init"
			rm -f "$1"/etc/ssh/ssh_host_*
		}
		export root
		export -f prepare
		bash "$root/tests/sandbox/rootfs.sh" "$tarball" "$packages" prepare
	fi
	log "importing $image"
	docker import -c 'CMD ["/usr/local/sbin/sandbox-init"]' "$tarball" "$image" >/dev/null
}

ensure_key() {
	mkdir -p "$state"
	[ -s "$state/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C backendai-sandbox -f "$state/id_ed25519"
}

start_host() { # name
	local name=$1 c="$stack-$1"
	docker rm -f "$c" >/dev/null 2>&1 || true
	local init=()
	# What systemd needs in a container: its own /run, to know it is in one, and the
	# signal that shuts it down.
	[ "${SANDBOX_INIT:-}" = systemd ] &&
		init=(--tmpfs /run --tmpfs /run/lock -e container=docker -e SANDBOX_INIT=systemd --stop-signal SIGRTMIN+3)
	# The capabilities and unconfined profiles are the ones verified for a host that runs
	# its own Docker engine; --privileged is refused on this machine. SYS_PTRACE lets that
	# engine exec into containers whose main process is not root (postgres health checks);
	# IPC_LOCK and SYS_NICE are what Backend.AI's agent adds to every kernel container, so
	# the host's engine must hold them to grant them.
	mkdir -p "$state/shared-$stack"
	docker run -d --name "$c" --hostname "$name" --label "$label=$stack" \
		-v "$state/shared-$stack:/vfroot/nfs" -v "$state/shared-$stack:/srv/backendai/nfs" \
		--cap-add SYS_ADMIN --cap-add NET_ADMIN --cap-add SYS_PTRACE --cap-add DAC_READ_SEARCH \
		--cap-add IPC_LOCK --cap-add SYS_NICE \
		--security-opt systempaths=unconfined --security-opt apparmor=unconfined \
		--security-opt seccomp=unconfined -v /sys/fs/cgroup:/sys/fs/cgroup \
		"${init[@]}" -p 127.0.0.1::22 "$image" >/dev/null
	docker exec -i "$c" sh -c 'umask 077; mkdir -p /root/.ssh; cat >/root/.ssh/authorized_keys' <"$state/id_ed25519.pub"
}

host_port() { docker port "$stack-$1" 22/tcp | sed -n 's/^127\.0\.0\.1://p' | head -n1; }
host_ip() { docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$stack-$1"; }
host_key() { # waits for sshd to have made its keys
	for _ in $(seq 30); do
		docker exec "$stack-$1" cat /etc/ssh/ssh_host_ed25519_key.pub 2>/dev/null | awk '{print $1" "$2}' && return
		sleep 0.5
	done
	log "host $1 has no SSH host key"; exit 1
}

wait_ssh() { # name
	for _ in $(seq 60); do
		sandbox_ssh "$1" true 2>/dev/null && return
		sleep 0.5
	done
	log "host $1 does not answer SSH on 127.0.0.1:$(host_port "$1")"; exit 1
}

sandbox_ssh() { # name cmd...
	local name=$1; shift
	ssh -q -i "$state/id_ed25519" -p "$(host_port "$name")" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 \
		root@127.0.0.1 "$@"
}

write_stack() { # specs...
	local file="$root/Pulumi.$stack.yaml" salt=""
	[ -f "$file" ] && salt=$(grep '^encryptionsalt:' "$file" || true)
	{
		echo "# Written by tests/sandbox/sandbox.sh for the sandbox hosts on this machine: not a real cluster."
		[ -n "$salt" ] && echo "$salt"
		echo "config:"
		echo "  backendai-cluster:nodes:"
		local spec name roles
		for spec in "$@"; do
			name=${spec%%:*} roles=${spec#*:}
			echo "    - name: $name"
			echo "      address: $(host_ip "$name")"
			echo "      roles: [${roles//,/, }]"
			echo "      ssh:"
			echo "        host: 127.0.0.1"
			echo "        port: $(host_port "$name")"
			echo "        user: root"
			echo "        hostKey: $(host_key "$name")"
		done
		# Debian's own packages: download.docker.com is not reachable from here.
		echo "  backendai-cluster:docker:"
		echo "    source: distro"
		# Kernel-wide keys are read-only in a sandbox host (see sandbox-init.sh), and
		# net.core.[rw]mem_max exist only in the machine's first network namespace.
		echo "  backendai-cluster:sysctl:"
		echo "    fs.file-max: null"
		echo "    vm.overcommit_memory: null"
		echo "    net.core.rmem_max: null"
		echo "    net.core.wmem_max: null"
		# No NFS in the hosts' kernel: nfs-ganesha serves the export in userspace, and the
		# mount is the directory shared into every host (checked over NFS).
		echo "  backendai-cluster:storage:"
		echo "    nfsServer: ganesha"
		echo "    mount: shared"
	} >"$file.tmp"
	mv "$file.tmp" "$file"
}

# lock_engine holds the engine's lock until the script ends: stacks side by side (tests
# run in parallel) start dockerd once, and `down` never stops it while another stack
# starts its hosts.
lock_engine() {
	mkdir -p "$state"
	exec {lock}>"$state/engine.lock"
	flock "$lock"
}

cmd_up() {
	local specs=("$@")
	[ ${#specs[@]} -gt 0 ] || specs=(bai-m1:manager,storage bai-a01:agent)
	lock_engine
	ensure_dockerd
	ensure_image
	ensure_key
	# Fresh hosts, and a fresh shared volume: files an earlier stack's NFS server knew are
	# not this one's (it refuses to create a name that is there behind its back).
	remove_hosts
	local spec
	for spec in "${specs[@]}"; do start_host "${spec%%:*}"; done
	flock -u "$lock"
	for spec in "${specs[@]}"; do wait_ssh "${spec%%:*}"; done
	write_stack "${specs[@]}"
	log "up: ${specs[*]} (stack config in Pulumi.$stack.yaml)"
}

cmd_add() {
	[ $# -gt 0 ] || { log "add: name the hosts"; exit 2; }
	lock_engine
	ensure_dockerd
	local name
	for name in "$@"; do start_host "$name"; done
	flock -u "$lock"
	for name in "$@"; do wait_ssh "$name"; done
	for name in "$@"; do echo "$name $(host_ip "$name") $(host_port "$name") $(host_key "$name")"; done
	log "added: $*"
}

# remove_hosts removes the stack's hosts and their shared volume.
remove_hosts() {
	local ids
	ids=$(docker ps -aq --filter "label=$label=$stack")
	[ -z "$ids" ] || docker rm -f $ids >/dev/null
	rm -rf "${state:?}/shared-$stack"
}

cmd_down() {
	lock_engine
	if docker info >/dev/null 2>&1; then
		remove_hosts
		# Other stacks' hosts still need the engine, and so does a test run that keeps it
		# for its tests (SANDBOX_KEEP_ENGINE) until its last one ends.
		[ -z "$(docker ps -aq --filter "label=$label")" ] && [ -z "${SANDBOX_KEEP_ENGINE:-}" ] || { log "down: $stack"; return; }
	fi
	if [ -s "$state/dockerd.pid" ]; then
		local pid
		pid=$(cat "$state/dockerd.pid")
		log "stopping the dockerd this script started (pid $pid)"
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
		rm -f "$state/dockerd.pid"
	fi
	log "down: $stack"
}

# Stand-in servers on this machine's loopback (a registry, a package index) appear on
# the host's loopback through SSH, so no traffic leaves the two.
cmd_forward() { # name forward...
	local name=$1 f args=()
	shift
	for f in "$@"; do args+=(-R "127.0.0.1:$f"); done
	exec ssh -q -N -i "$state/id_ed25519" -p "$(host_port "$name")" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ExitOnForwardFailure=yes -o ConnectTimeout=10 \
		-o ServerAliveInterval=10 "${args[@]}" root@127.0.0.1
}

case "${1:-}" in
up) shift; cmd_up "$@" ;;
add) shift; cmd_add "$@" ;;
down) cmd_down ;;
ssh) shift; sandbox_ssh "$@" ;;
forward) shift; cmd_forward "$@" ;;
engine) lock_engine; ensure_dockerd ;;
*) sed -n '2,15p' "$0" >&2; exit 2 ;;
esac
