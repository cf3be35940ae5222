// `k-agent install`: a systemd unit that runs `k-agent run` at boot with this data directory and
// this Node binary (so an upgrade of the system's Node does not surprise it).

import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { AGENT_NODE_FLAGS } from "../node-flags.ts";
import { loadCredential } from "./data-dir.ts";

export function unitText(nodePath: string, agentPath: string, dataDir: string): string {
  return `[Unit]
Description=kflare node agent (k-agent)
Documentation=https://github.com/kflare/kflare
After=network-online.target
Wants=network-online.target

[Service]
ExecStart=${[nodePath, ...AGENT_NODE_FLAGS, agentPath].join(" ")} run --data-dir ${dataDir}
Restart=always
RestartSec=5
# Pods outlive the agent: stopping the agent must not kill their processes.
KillMode=process

[Install]
WantedBy=multi-user.target
`;
}

export async function install(dataDir: string, log: (line: string) => void): Promise<number> {
  await loadCredential(dataDir);
  const unit = unitText(process.execPath, fileURLToPath(import.meta.url), dataDir);
  const path = "/etc/systemd/system/k-agent.service";
  if (typeof process.getuid === "function" && process.getuid() === 0) {
    await writeFile(path, unit, { mode: 0o644 });
    log(`Wrote ${path}. Next: systemctl daemon-reload && systemctl enable --now k-agent`);
    return 0;
  }
  log(
    `Not root, so here is the unit to put in ${path} (as root):\n\n${unit}\nThen: sudo systemctl daemon-reload && sudo systemctl enable --now k-agent`,
  );
  return 0;
}
