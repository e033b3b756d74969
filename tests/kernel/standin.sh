#!/usr/bin/env bash
# Builds the kernel stand-in image: no registry is reachable from this machine, so
# Backend.AI's own kernel images (cr.backend.ai/stable/python:...) cannot be pulled. This
# image is Debian 13 with Debian's python3 and python3-ipykernel (the Jupyter kernel
# spec "python3" that the kernel runner's query mode starts), Debian's Jupyter Notebook
# (python3-notebook: the app "jupyter" the kernel runner starts as `python -m notebook`,
# src/ai/backend/kernel/python/__init__.py), the account tools the
# kernel's entry point uses (useradd, usermod, addgroup, chpasswd), and the labels
# Backend.AI's agent reads to run a Python kernel (docs/dev/adding-kernels.rst,
# ai.backend.common.docker.LabelName). The kernel runner itself is Backend.AI's real one:
# the agent mounts it from backend.ai-krunner-static-gnu.
#   standin.sh IMAGE    build IMAGE (cached as a tarball) unless Docker has it
set -euo pipefail
image=${1:?usage: standin.sh IMAGE}
here=$(cd "$(dirname "$0")" && pwd)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/backendai-infra"
tarball="$cache/kernel-standin-trixie-2.tar"
log() { printf 'kernel standin: %s\n' "$*" >&2; }

docker image inspect "$image" >/dev/null 2>&1 && exit 0
prepare() { mkdir -p "$1/home/work"; }
export -f prepare
# debootstrap does not resolve virtual packages: python3-zmq needs python3-cffi-backend's.
[ -s "$tarball" ] || bash "$here/../sandbox/rootfs.sh" "$tarball" \
	python3,python3-ipykernel,python3-notebook,python3-cffi-backend,passwd,adduser,procps,ca-certificates prepare
log "importing $image"
# The labels of a Python kernel image: the kernel spec version, the features the kernel
# runner offers, the distribution (glibc: the static-gnu kernel runner serves it), the
# runtime the query and batch modes run, and the least resources a session needs. No
# ai.backend.base-distro: the agent then reads the image's C library itself (`ldd
# --version`, glibc 2.41) and mounts its kernel runner's binaries for that glibc, as it
# does for Ubuntu 24.04; it ships none for a "debian13". Its apps: Jupyter on 8081, as
# Backend.AI's Python images declare it (ai.backend.service-ports); the agent adds the
# terminal (ttyd) and sshd to every session itself.
docker import \
	-c 'LABEL ai.backend.kernelspec="1"' \
	-c 'LABEL ai.backend.features="batch query uid-match user-input"' \
	-c 'LABEL ai.backend.runtime-type="python"' \
	-c 'LABEL ai.backend.runtime-path="/usr/bin/python3"' \
	-c 'LABEL ai.backend.service-ports="jupyter:http:8081"' \
	-c 'LABEL ai.backend.resource.min.cpu="1"' \
	-c 'LABEL ai.backend.resource.min.mem="256m"' \
	-c 'LABEL ai.backend.envs.corecount="OPENBLAS_NUM_THREADS,OMP_NUM_THREADS,NPROC"' \
	-c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8' \
	-c 'WORKDIR /home/work' -c 'CMD ["/bin/bash"]' "$tarball" "$image" >/dev/null
