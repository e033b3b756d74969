#!/bin/bash
# Rendered by backendai-infra: starts Backend.AI's webserver from its venv.
set -e
if [ -z "$HOME" ]; then
  export HOME="/home/bai"
fi
cd "/home/bai/webserver"
source .venv/bin/activate
if [ "$#" -eq 0 ]; then
  exec python -m ai.backend.web.server -f "/home/bai/webserver/webserver.conf"
else
  exec "$@"
fi
