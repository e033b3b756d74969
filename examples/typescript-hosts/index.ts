// Nodes prepared for Backend.AI from TypeScript: the backendai package's Host component
// through its generated Node.js SDK (sdk/nodejs, @backendai-infra/backendai), run by
// Pulumi's Automation API as an inline program (no Pulumi.yaml, no language host).
//
//   node index.js up|preview|destroy
//
// Settings from the environment, as examples/python-hosts reads them: BAI_STACK, BAI_NODES
// (JSON: a list of {name, address, host, port, hostKey, roles}), BAI_SSH_KEY_FILE. The
// Pulumi CLI and the provider are found on PATH; the state backend and its passphrase are
// the CLI's.
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import * as backendai from "@backendai-infra/backendai";

interface Node {
    name: string;
    address: string;
    host: string;
    port?: number;
    hostKey?: string;
    roles?: string[];
}

async function program(): Promise<Record<string, pulumi.Output<string>>> {
    const nodes: Node[] = JSON.parse(process.env.BAI_NODES ?? "[]");
    const key = pulumi.secret(fs.readFileSync(process.env.BAI_SSH_KEY_FILE ?? "", "utf-8"));
    const aliases = nodes.map(n => ({ address: n.address, name: n.name, roles: n.roles ?? [] }));
    const outputs: Record<string, pulumi.Output<string>> = {};
    for (const n of nodes) {
        const host = new backendai.Host(n.name, {
            connection: { host: n.host, port: n.port ?? 22, hostKey: n.hostKey, privateKey: key },
            aliases,
            sysctl: { "net.core.somaxconn": "4096", "net.ipv4.tcp_fin_timeout": "10" },
            docker: { install: false },
        });
        outputs[`${n.name}-facts`] = host.facts;
    }
    return outputs;
}

async function main(): Promise<void> {
    const stack = await LocalWorkspace.createOrSelectStack({
        stackName: process.env.BAI_STACK ?? "dev",
        projectName: "backendai-typescript-hosts",
        program,
    });
    const log = (out: string) => process.stdout.write(out);
    switch (process.argv[2]) {
        case "up": {
            const result = await stack.up({ onOutput: log });
            const outputs: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(result.outputs)) {
                outputs[k] = v.value;
            }
            console.log("\n" + JSON.stringify(outputs));
            break;
        }
        case "preview": {
            const result = await stack.preview({ onOutput: log });
            console.log("\n" + JSON.stringify(result.changeSummary));
            break;
        }
        case "destroy":
            await stack.destroy({ onOutput: log });
            await stack.workspace.removeStack(stack.name);
            break;
        default:
            throw new Error("usage: node index.js up|preview|destroy");
    }
}

main().catch(err => {
    console.error(err);
    process.exit(1);
});
