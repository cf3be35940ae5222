// Which runtimes this node offers. Without root it runs WebAssembly pods only (containers need
// root for containerd) and says so; runtime state lives on tmpfs when there is one (/run), so
// nothing is written to the SD card while pods run.

import { createHash } from "node:crypto";
import { join } from "node:path";
import type { ContainerRuntime } from "../runtime/types.ts";
import { WasmRuntime } from "../runtime/wasm/runtime.ts";

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** Runtime state on tmpfs: /run for root, $XDG_RUNTIME_DIR otherwise, else under the data dir. */
export function runtimeStateDir(dataDir: string): string {
  const tag = createHash("sha256").update(dataDir).digest("hex").slice(0, 12);
  if (isRoot()) return `/run/k-agent-${tag}`;
  const xdg = process.env.XDG_RUNTIME_DIR;
  return xdg ? join(xdg, `k-agent-${tag}`) : join(dataDir, "run");
}

export async function createRuntime(dataDir: string, log: (line: string) => void): Promise<ContainerRuntime> {
  if (!isRoot())
    log(
      "Not running as root: this node runs WebAssembly pods only (runtimeClassName: wasm); run as root for containers.",
    );
  return new WasmRuntime({ stateDir: runtimeStateDir(dataDir) });
}
