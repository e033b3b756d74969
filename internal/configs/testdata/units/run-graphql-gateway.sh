#!/bin/bash
# Rendered by backendai-infra: starts Backend.AI's graphql-gateway.
set -e
if [ -z "$HOME" ]; then
  export HOME="/home/bai"
fi
cd "/home/bai/graphql-gateway"
exec node_modules/.bin/hive-gateway supergraph supergraph.graphql --host 127.0.0.1 --port 4000
