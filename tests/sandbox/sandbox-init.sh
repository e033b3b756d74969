#!/bin/sh
# PID 1 of a sandbox host: give the host its own SSH identity, keep kernel-wide
# settings out of reach, then serve SSH, or hand over to systemd (SANDBOX_INIT=systemd),
# which starts sshd.
set -e
ssh-keygen -A >/dev/null
mkdir -p /run/sshd
# fs.*, vm.* and kernel.* sysctls belong to the machine running the sandbox, not
# to this container: make them read-only so a deployment cannot change them.
# net.* stays writable because each container has its own network namespace.
for d in fs vm kernel; do
	mount --bind "/proc/sys/$d" "/proc/sys/$d"
	mount -o remount,bind,ro "/proc/sys/$d"
done
[ "${SANDBOX_INIT:-}" = systemd ] && exec /sbin/init
exec /usr/sbin/sshd -D -e
