// k-agent: what a user runs on a Raspberry Pi or mini PC.
//   k-agent join <token> [--node-name N] [--data-dir D]   join, then run
//   k-agent run [--data-dir D]                             run from the stored credential (after a reboot)
//   k-agent install [--data-dir D]                         a systemd unit that runs it at boot
//   k-agent reset [--data-dir D]                           stop its pods, forget the cluster
//   k-agent images import <archive>                        load an image archive into the node (air gap)
// Runs on plain Node 20+.

import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { Agent } from "./agent.ts";
import { defaultDataDir, loadCredential, NotJoinedError } from "./data-dir.ts";
import { importImages } from "./images.ts";
import { install } from "./install.ts";
import { JoinError, join } from "./join.ts";
import { AGENT_VERSION, defaultNodeName, internalIp } from "./node-info.ts";
import { checkContainerHost, createRuntime, DEFAULT_SANDBOX_IMAGE, type RuntimeOptions } from "./runtimes.ts";

const USAGE = `k-agent ${AGENT_VERSION}: joins this machine to a kflare cluster and runs its pods.

Usage:
  k-agent join <token> [--node-name <name>] [--data-dir <dir>]   join with a token from \`kflare token create\`, then run
  k-agent run [--data-dir <dir>]                                  run from the stored credential (e.g. after a reboot)
  k-agent install [--data-dir <dir>]                              install a systemd unit that runs the agent at boot
  k-agent reset [--data-dir <dir>]                                stop this agent's pods and forget the cluster
  k-agent images import <archive> [--data-dir <dir>]              load an OCI/docker image archive into the node (air gap)
  k-agent --version

Options of join and run:
  --containerd <socket>     use this containerd instead of starting the agent's own
  --sandbox-image <image>   the pod sandbox image (default ${DEFAULT_SANDBOX_IMAGE}; also K_AGENT_SANDBOX_IMAGE)
  --wasm-only               run WebAssembly pods only, even as root (also K_AGENT_WASM_ONLY=1)
  --allow-privileged        let pods run privileged containers (refused by default)

--data-dir defaults to ~/.k-agent; --node-name to this machine's hostname. Several agents can
share a machine with distinct --node-name and --data-dir. Registry mirrors and plain-http
registries: <data-dir>/registries.yaml, as k3s's registries.yaml.`;

const log = (line: string) => process.stdout.write(`${line}\n`);
const fail = (line: string) => process.stderr.write(`k-agent: ${line}\n`);

async function runAgent(dataDir: string, runtimeOptions: RuntimeOptions, allowPrivileged: boolean): Promise<number> {
  const stored = await loadCredential(dataDir);
  // K_AGENT_SERVER: the control plane moved (npm start on another port); the credential stays valid.
  const credential = process.env.K_AGENT_SERVER ? { ...stored, server: process.env.K_AGENT_SERVER } : stored;
  const { runtime, podNetwork } = await createRuntime(dataDir, log, runtimeOptions);
  const hostIP = internalIp();
  // Containers get Services, cluster DNS and the API; WebAssembly guests have neither resolver nor
  // netns. Loaded only then (the DNS codec and the service proxy are idle weight on a wasm node).
  const { serviceNetwork, apiEndpoint } = podNetwork
    ? await (await import("./container-services.ts")).containerServices(credential, hostIP, dataDir, log)
    : { serviceNetwork: undefined, apiEndpoint: undefined };
  let upgrade: string | undefined;
  let stop!: () => void;
  const stopped = new Promise<void>((r) => {
    stop = r;
  });
  const agent = new Agent({
    credential,
    dataDir,
    runtime,
    allowPrivileged,
    ...(podNetwork !== undefined ? { podNetwork } : {}),
    ...(serviceNetwork !== undefined ? { serviceNetwork } : {}),
    ...(apiEndpoint !== undefined ? { apiEndpoint } : {}),
    log,
    onUpgradeRequired: (message) => {
      upgrade = message;
      stop();
    },
  });
  await agent.start();
  log(`Node ${credential.nodeName} is running (data in ${dataDir}). Next: kubectl get nodes`);
  process.once("SIGINT", () => stop());
  process.once("SIGTERM", () => stop());
  await stopped;
  await agent.stop();
  if (upgrade) {
    fail(upgrade);
    return 3;
  }
  log("Stopped; pods keep running and are adopted by the next `k-agent run`.");
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "--version" || command === "version") {
    log(AGENT_VERSION);
    return 0;
  }
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    (command === undefined ? fail : log)(USAGE);
    return command === undefined ? 2 : 0;
  }
  let values: {
    "node-name"?: string;
    "data-dir"?: string;
    containerd?: string;
    "sandbox-image"?: string;
    "wasm-only"?: boolean;
    "allow-privileged"?: boolean;
  };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      options: {
        "node-name": { type: "string" },
        "data-dir": { type: "string" },
        containerd: { type: "string" },
        "sandbox-image": { type: "string" },
        "wasm-only": { type: "boolean" },
        "allow-privileged": { type: "boolean" },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (err) {
    fail(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const dataDir = resolve(values["data-dir"] ?? defaultDataDir());
  const sandboxImage = values["sandbox-image"] ?? process.env.K_AGENT_SANDBOX_IMAGE;
  const runtimeOptions: RuntimeOptions = {
    ...(values.containerd !== undefined ? { containerdSocket: values.containerd } : {}),
    ...(sandboxImage ? { sandboxImage } : {}),
    wasmOnly: values["wasm-only"] === true || process.env.K_AGENT_WASM_ONLY === "1",
  };
  try {
    switch (command) {
      case "join": {
        if (positionals.length !== 1) {
          fail("join takes exactly one token: k-agent join <token> (kflare token create prints the whole command)");
          return 2;
        }
        // Before anything is written: a machine that cannot run containers is told how to fix it.
        await checkContainerHost(runtimeOptions, log);
        await join({ token: positionals[0]!, nodeName: values["node-name"] ?? defaultNodeName(), dataDir, log });
        return await runAgent(dataDir, runtimeOptions, values["allow-privileged"] === true);
      }
      case "run":
        return await runAgent(dataDir, runtimeOptions, values["allow-privileged"] === true);
      case "install":
        return await install(dataDir, log);
      case "reset":
        // On demand: reset takes down the service proxy and DNS, which a running wasm node never loads.
        return await (await import("./reset.ts")).reset(dataDir, log);
      case "images": {
        if (positionals[0] !== "import" || positionals.length !== 2) {
          fail("usage: k-agent images import <archive> [--data-dir <dir>] [--containerd <socket>]");
          return 2;
        }
        return await importImages(dataDir, positionals[1] ?? "", log, values.containerd);
      }
      default:
        fail(`unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof JoinError || err instanceof NotJoinedError) {
      fail(err.message);
      return 1;
    }
    fail(err instanceof Error ? err.message : String(err));
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
