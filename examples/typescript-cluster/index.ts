// A whole Backend.AI cluster from TypeScript: the backendai package's Cluster component
// through its generated Node.js SDK (sdk/nodejs, @backendai-infra/backendai), run by
// Pulumi's Automation API as an inline program (no Pulumi.yaml, no language host).
//
//   node index.js up|preview|destroy
//
// Settings from the environment: BAI_STACK (the stack's name), BAI_CLUSTER (JSON: the
// Cluster's settings, as its schema names them: nodes, version, services, storage, ...),
// BAI_FIXTURES (JSON: a list of fixture file paths), BAI_SSH_KEY_FILE (the login key) and
// BAI_SECRETS_FILE (JSON: dbPassword, storageProxySecret, storageProxyJWT). The Pulumi
// CLI and the provider are found on PATH; the state backend and its passphrase are the
// CLI's (PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE).
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import * as backendai from "@backendai-infra/backendai";

async function program(): Promise<Record<string, pulumi.Output<unknown>>> {
    const settings: backendai.ClusterArgs = JSON.parse(process.env.BAI_CLUSTER ?? "{}");
    const fixtures: string[] = JSON.parse(process.env.BAI_FIXTURES ?? "[]");
    const secrets = JSON.parse(fs.readFileSync(process.env.BAI_SECRETS_FILE ?? "", "utf-8"));
    const cluster = new backendai.Cluster("cluster", {
        ...settings,
        fixtures: fixtures.map(file => ({
            name: path.basename(file, path.extname(file)),
            data: fs.readFileSync(file, "utf-8"),
        })),
        sshPrivateKey: pulumi.secret(fs.readFileSync(process.env.BAI_SSH_KEY_FILE ?? "", "utf-8")),
        dbPassword: pulumi.secret(secrets.dbPassword),
        storageProxySecret: pulumi.secret(secrets.storageProxySecret),
        storageProxyJWT: pulumi.secret(secrets.storageProxyJWT),
    });
    return { endpoints: cluster.endpoints, verification: cluster.verification, agentPool: cluster.agentPool };
}

async function main(): Promise<void> {
    const stack = await LocalWorkspace.createOrSelectStack({
        stackName: process.env.BAI_STACK ?? "dev",
        projectName: "backendai-typescript-cluster",
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
