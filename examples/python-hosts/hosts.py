"""Nodes prepared for Backend.AI from Python: the backendai package's Host component
through its generated Python SDK (sdk/python, pulumi_backendai), run by Pulumi's
Automation API as an inline program (no Pulumi.yaml, no language host).

    python hosts.py up|preview|destroy

Settings from the environment: BAI_STACK (the stack's name), BAI_NODES (JSON: a list of
{"name", "address", "host", "port", "hostKey", "roles"}), BAI_SSH_KEY_FILE (the login
key). The Pulumi CLI and the provider (pulumi-resource-backendai) are found on PATH; the
state backend and its passphrase are the CLI's (PULUMI_BACKEND_URL,
PULUMI_CONFIG_PASSPHRASE).
"""

import json
import os
import sys

import pulumi
from pulumi import automation as auto

import pulumi_backendai as backendai


def program() -> None:
    nodes = json.loads(os.environ["BAI_NODES"])
    with open(os.environ["BAI_SSH_KEY_FILE"], encoding="utf-8") as f:
        key = pulumi.Output.secret(f.read())
    aliases = [
        backendai.HostAliasArgs(address=n["address"], name=n["name"], roles=n.get("roles", []))
        for n in nodes
    ]
    for n in nodes:
        host = backendai.Host(
            n["name"],
            connection=backendai.HostConnectionArgs(
                host=n["host"], port=n.get("port", 22), host_key=n.get("hostKey"), private_key=key
            ),
            aliases=aliases,
            sysctl={"net.core.somaxconn": "4096", "net.ipv4.tcp_fin_timeout": "10"},
            docker=backendai.HostDockerArgs(install=False),
        )
        pulumi.export(n["name"] + "-facts", host.facts)


def main() -> None:
    stack = auto.create_or_select_stack(
        stack_name=os.environ["BAI_STACK"], project_name="backendai-python-hosts", program=program
    )
    action = sys.argv[1] if len(sys.argv) > 1 else ""
    if action == "up":
        result = stack.up(on_output=print)
        print(json.dumps({k: v.value for k, v in result.outputs.items()}))
    elif action == "preview":
        result = stack.preview(on_output=print)
        print(json.dumps(result.change_summary))
    elif action == "destroy":
        stack.destroy(on_output=print)
        stack.workspace.remove_stack(stack.name)
    else:
        sys.exit("usage: python hosts.py up|preview|destroy")


if __name__ == "__main__":
    main()
