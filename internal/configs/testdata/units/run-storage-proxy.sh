#!/bin/bash
# Rendered by backendai-infra: starts Backend.AI's storage-proxy from its venv.
set -e
if [ -z "$HOME" ]; then
  export HOME="/home/bai"
fi
cd "/home/bai/storage-proxy"
source .venv/bin/activate
if [ "$#" -eq 0 ]; then
  exec python -m ai.backend.storage.server -f "/home/bai/storage-proxy/storage-proxy.toml"
else
  exec "$@"
fi
