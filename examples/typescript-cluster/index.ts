// A Backend.AI cluster from TypeScript in two stacks, as a platform team and a GPU team
// would run it: the backendai package's components through its generated Node.js SDK
// (sdk/nodejs, @backendai-infra/backendai), run by Pulumi's Automation API as inline
// programs (no Pulumi.yaml, no language host).
//
//   BAI_PART=plane  node index.js up|preview|destroy   the management plane: ManagementNode
//   BAI_PART=agents node index.js up|preview|destroy   agent nodes that join it (AgentNode),
//                                                     then the whole cluster verified (Verification)
//
// The agents' stack reads the plane's stack, "<BAI_STACK>-plane", through stack
// references: the cluster's reference (its output agentPool) and the superadmin's keypair.
//
// Settings from the environment: BAI_STACK (the stacks' base name), BAI_CLUSTER (JSON: the
// management plane's settings, as the ManagementNode's schema names them: nodes, version,
// services, storage, ...), BAI_FIXTURES (JSON: a list of fixture file paths),
// BAI_AGENTS (JSON: the agent nodes, each name, address, connection and accelerators),
// BAI_VERIFY_FROM (JSON: the connection of the node the verification runs on),
// BAI_SSH_KEY_FILE (the login key) and BAI_SECRETS_FILE (JSON: dbPassword,
// storageProxySecret, storageProxyJWT and, with services.tls, tlsKey). The Pulumi CLI and the provider are found on
// PATH; the state backend and its passphrase are the CLI's (PULUMI_BACKEND_URL,
// PULUMI_CONFIG_PASSPHRASE).
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import * as backendai from "@backendai-infra/backendai";

const project = "backendai-typescript-cluster";
const base = process.env.BAI_STACK ?? "dev";
const part = process.env.BAI_PART ?? "plane";
const key = () => pulumi.secret(fs.readFileSync(process.env.BAI_SSH_KEY_FILE ?? "", "utf-8"));

// The management plane: the manager's and the storage's nodes, their services.
async function plane(): Promise<Record<string, pulumi.Output<unknown>>> {
    const settings: backendai.ManagementNodeArgs = JSON.parse(process.env.BAI_CLUSTER ?? "{}");
    const fixtures: string[] = JSON.parse(process.env.BAI_FIXTURES ?? "[]");
    const secrets = JSON.parse(fs.readFileSync(process.env.BAI_SECRETS_FILE ?? "", "utf-8"));
    const mgmt = new backendai.ManagementNode("plane", {
        ...settings,
        fixtures: fixtures.map(file => ({
            name: path.basename(file, path.extname(file)),
            data: fs.readFileSync(file, "utf-8"),
        })),
        sshPrivateKey: key(),
        dbPassword: pulumi.secret(secrets.dbPassword),
        storageProxySecret: pulumi.secret(secrets.storageProxySecret),
        storageProxyJWT: pulumi.secret(secrets.storageProxyJWT),
        // With services.tls.certificate: its key, which the webserver and the App Proxy's
        // worker serve HTTPS with.
        tlsKey: secrets.tlsKey ? pulumi.secret(secrets.tlsKey) : undefined,
    });
    return { endpoints: mgmt.endpoints, agentPool: mgmt.agentPool, superadmin: mgmt.superadmin };
}

// An agent node as BAI_AGENTS gives it: its login key is the program's.
interface AgentNodeSettings {
    name: string;
    address: string;
    connection: { host: string; port?: number; user?: string; hostKey?: string };
    accelerators?: { kind: string; devices?: number }[];
}

// The agents: each node joins the plane's cluster; then the whole is verified, as the
// plane's superadmin, once every agent runs.
async function agents(): Promise<Record<string, pulumi.Output<unknown>>> {
    const clusterStack = `organization/${project}/${base}-plane`;
    const admin = new pulumi.StackReference("plane", { name: clusterStack }).getOutput("superadmin") as pulumi.Output<Record<string, string>>;
    const nodes: AgentNodeSettings[] = JSON.parse(process.env.BAI_AGENTS ?? "[]");
    const joined = nodes.map(node => new backendai.AgentNode(node.name, {
        clusterStack,
        node: { ...node, connection: { ...node.connection, privateKey: key() } },
    }));
    const verification = new backendai.Verification("verification", {
        clusterStack,
        connection: { ...JSON.parse(process.env.BAI_VERIFY_FROM ?? "{}"), privateKey: key() },
        agents: pulumi.all(joined.map(a => a.agent)),
        accessKey: admin.apply(a => a.accessKey),
        secretKey: admin.apply(a => a.secretKey),
    });
    return { agents: pulumi.all(joined.map(a => a.agent)), verification: verification.result };
}

async function main(): Promise<void> {
    const stack = await LocalWorkspace.createOrSelectStack({
        stackName: `${base}-${part}`,
        projectName: project,
        program: part === "agents" ? agents : plane,
    });
    const log = (out: string) => process.stdout.write(out);
    switch (process.argv[2]) {
        case "up": {
            const result = await stack.up({ onOutput: log });
            const outputs: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(result.outputs)) {
                outputs[k] = v.secret ? "[secret]" : v.value;
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
            throw new Error("usage: BAI_PART=plane|agents node index.js up|preview|destroy");
    }
}

main().catch(err => {
    // A failed command's own output says why; its end holds the diagnostics.
    const result = err?.commandResult;
    console.error(result ? `${String(result.stdout).slice(-6000)}\n${String(result.stderr).slice(-2000)}` : err);
    process.exit(1);
});
