// The agent `npm start` runs beside the control plane, so a new user gets a one-node cluster from
// one command: joined once with a fresh token, started from its stored credential afterwards. It
// runs as a child process; Ctrl-C stops it, and the pods it runs keep running (the next start
// adopts them).

import { type ChildProcess, spawn } from "node:child_process";
import { access } from "node:fs/promises";
import { join } from "node:path";
import { AGENT_NODE_FLAGS } from "../agent/node-flags.ts";
import { defaultNodeName } from "../agent/src/node-info.ts";
import { REPO_ROOT } from "./local-control-plane.ts";
import { createJoinToken } from "./token-command.ts";

export interface LocalAgent {
  nodeName: string;
  stop(): Promise<void>;
}

export async function startLocalAgent(opts: {
  dataDir: string;
  kubeconfig: string;
  server: string;
  log: (line: string) => void;
}): Promise<LocalAgent> {
  const agentDir = join(opts.dataDir, "agent");
  const bin = join(REPO_ROOT, "agent/dist/k-agent.mjs");
  try {
    await access(bin);
  } catch {
    throw new Error(
      `the agent is not built (${bin} is missing); run npm install, or start without it: npm start -- --no-agent`,
    );
  }
  const nodeName = defaultNodeName();
  let args: string[];
  try {
    await access(join(agentDir, "credential.json"));
    args = ["run", "--data-dir", agentDir];
  } catch {
    const { joinToken } = await createJoinToken(opts.kubeconfig, 10 * 60_000, "npm start's local agent");
    args = ["join", joinToken, "--node-name", nodeName, "--data-dir", agentDir];
  }
  // The control plane's port may differ from when the agent joined: tell it where to find it now.
  const child: ChildProcess = spawn(process.execPath, [...AGENT_NODE_FLAGS, bin, ...args], {
    env: { ...process.env, K_AGENT_SERVER: opts.server },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const relay = (b: Buffer) => {
    for (const line of b.toString().split("\n")) if (line.trim()) opts.log(`[agent] ${line}`);
  };
  child.stdout?.on("data", relay);
  child.stderr?.on("data", relay);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    nodeName,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
