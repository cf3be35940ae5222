// WebAssembly pods in network namespaces of their own, with the real CNI plugins (bridge,
// host-local, portmap, loopback) run inside a network namespace this test creates, so the bridge
// and the rules never touch the machine's own network. Needs root, the CNI plugins and a registry
// on loopback: without them the tests skip and say why, except in CI, where they fail.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from "vitest";
import { type LoopbackRegistry, startLoopbackRegistry, wasmFixtures } from "../../test/setup/wasm-fixtures.ts";
import { TestNetns } from "../../test/tools/netns.ts";
import { inCidr } from "../network/cidr.ts";
import { CONFLIST_NAME, writePodNetwork } from "./cri/pod-network.ts";
import { containerConfig, podConfig, waitFor } from "./testing.ts";
import { isGuestAlive } from "./wasm/guest-process.ts";
import { pushWasmArtifact } from "./wasm/push.ts";
import { WasmRuntime } from "./wasm/runtime.ts";

const POD_CIDR = "10.77.0.0/24";
const CNI_BIN = "/usr/lib/cni";

let registry: LoopbackRegistry | undefined;
let netns: TestNetns | undefined;
let dir = "";
let why: string | undefined;

beforeAll(async () => {
  if (process.getuid?.() !== 0) why = "needs root (network namespaces, CNI plugins)";
  else if (!existsSync(join(CNI_BIN, "bridge")))
    why = `needs the CNI plugins in ${CNI_BIN} (apt-get install containernetworking-plugins)`;
  else {
    registry = await startLoopbackRegistry();
    if (!registry.available) why = registry.reason;
  }
  if (why !== undefined) {
    if (process.env.CI === "true") throw new Error(`wasm network namespace tests: ${why}`);
    return;
  }
  const host = registry?.available ? registry.host : "";
  await pushWasmArtifact(host, "kflare-test/httphello", "1", readFileSync((await wasmFixtures()).httpHello));
  netns = TestNetns.create("kflare-wnet");
  dir = mkdtempSync(join(tmpdir(), "kflare-wasm-netns-"));
  await writePodNetwork(POD_CIDR, { confDir: join(dir, "net.d"), ipamDir: join(dir, "ipam"), bridge: "kfwnettest" });
}, 300_000);

afterAll(async () => {
  await netns?.destroy();
  await registry?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function runtime(): WasmRuntime {
  return new WasmRuntime({
    stateDir: join(dir, "state"),
    podNetwork: {
      conflistPath: join(dir, "net.d", CONFLIST_NAME),
      binDir: CNI_BIN,
      commandPrefix: netns?.prefix() ?? [],
    },
  });
}

const image = () => `${registry?.available ? registry.host : "none"}/kflare-test/httphello:1`;
const links = () => (netns?.exec("ip", ["-o", "link"]) ?? "").trim().split("\n").length;
const reserved = () => readdirSync(join(dir, "ipam", "kflare-pods")).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
const get = (url: string) => {
  try {
    return netns?.exec("curl", ["-s", "-m", "5", url]) || undefined;
  } catch {
    return undefined;
  }
};

async function serve(rt: WasmRuntime, uid: string): Promise<{ sandbox: string; ip: string }> {
  const pod = podConfig({ uid, hostNetwork: false, runtimeHandler: "wasm", logDirectory: join(dir, "logs", uid) });
  const sandbox = await rt.runPodSandbox(pod);
  const config = containerConfig({ name: "web", image: image(), ports: [{ containerPort: 8080, protocol: "TCP" }] });
  await rt.pullImage(image());
  await rt.startContainer(await rt.createContainer(sandbox, config, pod));
  const ip = (await rt.podSandboxStatus(sandbox))?.ip ?? "";
  return { sandbox, ip };
}

describe("wasm pods with network namespaces of their own", { timeout: 60_000 }, () => {
  test("two pods serve one port, each on its own pod IP; stopping a sandbox frees its address, veth and holder", async ({
    skip,
  }) => {
    if (why !== undefined) return skip(why);
    const rt = runtime();
    const linksBefore = links();
    const a = await serve(rt, "a");
    const b = await serve(rt, "b");
    onTestFinished(() => removeAll(rt));
    expect(a.ip).not.toBe(b.ip);
    for (const ip of [a.ip, b.ip]) expect(inCidr(ip, POD_CIDR), `${ip} in ${POD_CIDR}`).toBe(true);
    expect(await waitFor(async () => get(`http://${a.ip}:8080/a`))).toBe("hello from wasi:http /a\n");
    expect(await waitFor(async () => get(`http://${b.ip}:8080/b`))).toBe("hello from wasi:http /b\n");
    expect(reserved().sort()).toEqual([a.ip, b.ip].sort());
    expect(links()).toBe(linksBefore + 3); // the bridge, and a veth per pod

    const holder = readHolder(a.sandbox);
    expect(readFileSync(`/proc/${holder}/comm`, "utf8").trim()).toBe("sleep");
    // A restarted agent's runtime adopts the namespaces with the guests: same address, still serving.
    const adopted = await runtime().podSandboxStatus(a.sandbox);
    expect(adopted).toMatchObject({ state: "ready", ip: a.ip });
    await rt.stopPodSandbox(a.sandbox);
    expect((await rt.podSandboxStatus(a.sandbox))?.state).toBe("notready");
    expect((await rt.listContainers()).find((c) => c.sandboxId === a.sandbox)?.state).toBe("exited");
    expect(isGuestAlive(holder, undefined)).toBe(false);
    expect(reserved()).toEqual([b.ip]);
    expect(links()).toBe(linksBefore + 2);
    expect(get(`http://${b.ip}:8080/still`)).toBe("hello from wasi:http /still\n");

    await rt.removePodSandbox(a.sandbox);
    await rt.stopPodSandbox(b.sandbox);
    await rt.removePodSandbox(b.sandbox);
    expect(reserved()).toEqual([]);
    expect(await rt.listPodSandboxes()).toEqual([]);
  });

  test("a sandbox whose namespace holder died is not ready, and its network is still taken down", async ({ skip }) => {
    if (why !== undefined) return skip(why);
    const rt = runtime();
    const linksBefore = links();
    const c = await serve(rt, "c");
    onTestFinished(() => removeAll(rt));
    expect(await waitFor(async () => get(`http://${c.ip}:8080/`))).toBe("hello from wasi:http /\n");
    const holder = readHolder(c.sandbox);
    process.kill(holder, "SIGKILL");
    await waitFor(async () => ((await rt.podSandboxStatus(c.sandbox))?.state === "notready" ? true : undefined));
    // The agent re-creates such a sandbox; this one is taken down first, as kubelet would.
    await rt.stopPodSandbox(c.sandbox);
    await rt.removePodSandbox(c.sandbox);
    expect(reserved()).toEqual([]);
    expect(await waitFor(async () => (links() === linksBefore ? true : undefined))).toBe(true);
  });
});

/** What a failed test left, so that the next one starts from nothing. */
async function removeAll(rt: WasmRuntime): Promise<void> {
  for (const s of await rt.listPodSandboxes()) {
    await rt.stopPodSandbox(s.id).catch(() => undefined);
    await rt.removePodSandbox(s.id).catch(() => undefined);
  }
}

function readHolder(sandbox: string): number {
  const record = JSON.parse(readFileSync(join(dir, "state", "wasm", "sandboxes", `${sandbox}.json`), "utf8")) as {
    netns: { pid: number };
  };
  return record.netns.pid;
}
