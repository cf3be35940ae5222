// `k-agent reset`: undo what this agent made on the machine: its pods' processes and containers,
// their files, its credential and state. The Node object stays in the cluster until an admin
// deletes it (kubectl delete node), which also revokes the credential server-side.

import { access, rm } from "node:fs/promises";
import { removeServiceNetwork } from "../network/service-network.ts";
import { systemMounter } from "../pods/volumes/mounter.ts";
import { credentialPath, loadCredential, removeDataDir } from "./data-dir.ts";
import { createRuntime, runtimeStateDir } from "./runtimes.ts";

export async function reset(dataDir: string, log: (line: string) => void): Promise<number> {
  let nodeName: string | undefined;
  try {
    nodeName = (await loadCredential(dataDir)).nodeName;
  } catch {
    // A damaged or missing credential does not stop a reset.
  }
  try {
    await access(dataDir);
  } catch {
    log(`Nothing to reset: ${dataDir} does not exist.`);
    return 0;
  }
  let node: Awaited<ReturnType<typeof createRuntime>>;
  try {
    node = await createRuntime(dataDir, () => {}, { wasmOnly: process.env.K_AGENT_WASM_ONLY === "1" });
  } catch (err) {
    // No containerd here (never installed, or removed since): reset what the wasm runtime made.
    log(`containers: ${(err as Error).message.split("\n")[0]}; resetting WebAssembly pods only`);
    node = await createRuntime(dataDir, () => {}, { wasmOnly: true });
  }
  const { runtime, shutdown } = node;
  const containers = await runtime.listContainers();
  for (const c of containers) {
    log(
      `  stopping container ${c.name} of pod ${c.labels["io.kubernetes.pod.namespace"] ?? "?"}/${c.labels["io.kubernetes.pod.name"] ?? "?"}`,
    );
    await runtime.stopContainer(c.id, 5).catch(() => {});
    await runtime.removeContainer(c.id).catch(() => {});
  }
  for (const s of await runtime.listPodSandboxes()) {
    await runtime.stopPodSandbox(s.id).catch(() => {});
    await runtime.removePodSandbox(s.id).catch(() => {});
  }
  await runtime.close();
  await shutdown?.();
  // The service proxy's rules exist only where containers ran (root, iptables present).
  if (node.podNetwork) {
    await removeServiceNetwork().catch((err: unknown) =>
      log(`  cannot remove the service proxy rules: ${(err as Error).message.split("\n")[0]}`),
    );
  }
  // Pods' tmpfs volumes (secrets, service-account tokens) come off before their files can go.
  await systemMounter.unmountAll(dataDir);
  // Runtime state on tmpfs (the wasm guests' records, containerd's state).
  await rm(runtimeStateDir(dataDir), { recursive: true, force: true });
  await removeDataDir(dataDir);
  log(
    `Reset: stopped ${containers.length} container(s), removed ${dataDir} (credential ${credentialPath(dataDir)} included).`,
  );
  if (nodeName) log(`To remove the node from the cluster as well: kubectl delete node ${nodeName}`);
  return 0;
}
