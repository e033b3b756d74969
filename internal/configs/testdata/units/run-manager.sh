#!/bin/bash
# Rendered by backendai-infra: starts Backend.AI's manager from its venv.
set -e
if [ -z "$HOME" ]; then
  export HOME="/home/bai"
fi
cd "/home/bai/manager"
source .venv/bin/activate
if [ "$#" -eq 0 ]; then
  exec python -m ai.backend.manager.server -f "/home/bai/manager/manager.toml"
else
  exec "$@"
fi
