#!/bin/bash
# Rendered by backendai-infra: starts Backend.AI's agent from its venv.
set -e
if [ -z "$HOME" ]; then
  export HOME="/home/bai"
fi
cd "/home/bai/agent"
source .venv/bin/activate
if [ "$#" -eq 0 ]; then
  exec python -m ai.backend.agent.server -f "/home/bai/agent/agent.toml"
else
  exec "$@"
fi
