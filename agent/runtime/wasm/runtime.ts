// The WebAssembly runtime (RuntimeClass handler "wasm"): WASI 0.2 components, transpiled by jco,
// run by preview2-shim in one detached Node process per container (runner.mjs). Command components
// (wasi:cli/run) run to completion; wasi:http incoming-handler components serve HTTP on the
// container's first TCP port. Everything lives on disk under <stateDir>/wasm (state.ts), so a
// restarted agent adopts the guests that kept running, by pid and process start time.
//
// Networking: given the node's pod network (a root agent's CNI conflist), each sandbox gets its own
// network namespace and an address from the podCIDR (pod-netns.ts), and guests start inside it.
// Without one (an agent that is not root, or --wasm-only), and for hostNetwork pods, networking is
// the node's: the sandbox's IP is the node's and two such pods cannot serve on one port.
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerStatus,
  type ExecResult,
  type ImageAuth,
  type PodSandboxConfig,
  RuntimeError,
  type SandboxStatus,
} from "../types.ts";
import { guestArgs, guestEnv, guestPreopens, memoryCapPages, servingPort } from "./container-spec.ts";
import { firstExternalIPv4, inferExit, newId, toStatus } from "./container-status.ts";
import { isGuestAlive, signalGuest, spawnGuest, waitForGuestExit } from "./guest-process.ts";
import { WasmImages } from "./images.ts";
import type { PullOptions } from "./oci.ts";
import { addPodNetns, inNetns, netnsPath, type PodNetnsOptions, removePodNetns } from "./pod-netns.ts";
import { type ContainerRecord, type SandboxRecord, WasmState } from "./state.ts";

export interface WasmRuntimeOptions extends PullOptions {
  /** Where the runtime keeps its state (a tmpfs such as /run in production; images then re-pull after a reboot). */
  stateDir: string;
  /** The Node binary that runs guests (default: the agent's own, process.execPath). */
  nodePath?: string;
  /** runner.mjs (default: beside this module; the agent's build copies it beside its bundle). */
  runnerPath?: string;
  /** The node's address, reported as every wasm sandbox's IP (default: its first external IPv4). */
  nodeIP?: string;
  /** Where wasi:http components listen (default 0.0.0.0: the node's addresses, as hostNetwork pods do). */
  listenHost?: string;
  /** Memory cap of containers without limits.memory (default 256 MiB). */
  defaultMemoryLimitBytes?: number;
  /** Words before the node command, e.g. ["ip", "netns", "exec", name] (see guest-process.ts). */
  commandPrefix?: readonly string[];
  /** The node's pod network: each sandbox (but hostNetwork ones) gets a namespace and a pod IP. */
  podNetwork?: PodNetnsOptions;
}

const DEFAULT_MEMORY_LIMIT = 256 << 20;
/** How long a SIGKILLed guest may take to disappear before stop gives up waiting. */
const KILL_WAIT_MS = 5_000;

export class WasmRuntime implements ContainerRuntime {
  readonly name = "wasm";
  readonly handlers: readonly string[] = ["wasm"];
  private readonly state: WasmState;
  private readonly images: WasmImages;
  /** Guests this agent started: their exit status comes from the ChildProcess when they die by a signal. */
  private readonly children = new Map<string, ChildProcess>();
  private readonly nodeIP: string;
  private readonly options: WasmRuntimeOptions;

  constructor(options: WasmRuntimeOptions) {
    this.options = options;
    this.state = new WasmState(options.stateDir);
    this.images = new WasmImages(this.state, options);
    this.nodeIP = options.nodeIP ?? firstExternalIPv4() ?? "127.0.0.1";
  }

  async version(): Promise<{ runtimeName: string; runtimeVersion: string }> {
    return { runtimeName: "kflare-wasm", runtimeVersion: `jco (preview2-shim) on node ${process.versions.node}` };
  }

  async pullImage(image: string, auth?: ImageAuth): Promise<string> {
    try {
      return (await this.images.pull(image, auth)).imageRef;
    } catch (error) {
      if (error instanceof RuntimeError) throw error;
      throw new RuntimeError("ErrImagePull", `failed to pull ${image}: ${(error as Error).message}`);
    }
  }

  async imageStatus(image: string): Promise<string | undefined> {
    return this.images.status(image)?.imageRef;
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const id = newId();
    const network = this.options.podNetwork;
    if (network === undefined || config.hostNetwork) {
      this.state.writeSandbox({ id, config, state: "ready", ip: this.nodeIP, createdAt: Date.now() });
      return id;
    }
    let made: Awaited<ReturnType<typeof addPodNetns>>;
    try {
      made = await addPodNetns(network, id, config.portMappings);
    } catch (error) {
      throw new RuntimeError(
        "CreatePodSandboxError",
        `failed to set up the network of pod ${config.namespace}/${config.name}: ${(error as Error).message}`,
      );
    }
    this.state.writeSandbox({ id, config, state: "ready", ip: made.ip, netns: made.holder, createdAt: Date.now() });
    return id;
  }

  /**
   * Kills what still runs in the sandbox (the agent has already stopped containers with their
   * grace), then takes down its network: its address and rules are free once this returns.
   */
  async stopPodSandbox(id: string): Promise<void> {
    const sandbox = this.state.readSandbox(id);
    if (sandbox === undefined) return;
    for (const c of this.records().filter((r) => r.sandboxId === id)) await this.stopContainer(c.id, 0);
    await this.releaseNetwork(sandbox);
    this.state.writeSandbox({ ...sandbox, state: "notready", netns: undefined });
  }

  async removePodSandbox(id: string): Promise<void> {
    for (const c of this.records().filter((r) => r.sandboxId === id)) await this.removeContainer(c.id);
    const sandbox = this.state.readSandbox(id);
    if (sandbox !== undefined) await this.releaseNetwork(sandbox);
    this.state.removeSandbox(id);
  }

  private async releaseNetwork(sandbox: SandboxRecord): Promise<void> {
    if (sandbox.netns === undefined) return;
    try {
      await removePodNetns(this.options.podNetwork, sandbox.id, sandbox.netns, sandbox.config.portMappings);
    } catch (error) {
      throw new RuntimeError(
        "StopPodSandboxError",
        `failed to take down the network of pod ${sandbox.config.namespace}/${sandbox.config.name}: ${(error as Error).message}`,
      );
    }
  }

  async podSandboxStatus(id: string): Promise<SandboxStatus | undefined> {
    const s = this.state.readSandbox(id);
    if (s === undefined) return undefined;
    const { uid, namespace, name, attempt, labels } = s.config;
    return {
      id,
      uid,
      namespace,
      name,
      attempt,
      // A sandbox whose namespace is gone (its holder killed, a reboot) is re-created by the agent.
      state: s.state === "ready" && s.netns !== undefined && netnsPath(s.netns) === undefined ? "notready" : s.state,
      ip: s.ip,
      createdAt: s.createdAt,
      labels: { ...labels },
    };
  }

  async sandboxNetns(id: string): Promise<string | undefined> {
    const netns = this.state.readSandbox(id)?.netns;
    return netns === undefined ? undefined : netnsPath(netns);
  }

  async listPodSandboxes(): Promise<SandboxStatus[]> {
    const all = await Promise.all(this.state.sandboxIds().map((id) => this.podSandboxStatus(id)));
    return all.filter((s): s is SandboxStatus => s !== undefined);
  }

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string> {
    const pod = this.state.readSandbox(sandboxId);
    if (pod === undefined) throw new RuntimeError("NotFound", `sandbox ${sandboxId} not found`);
    if (pod.state !== "ready") throw new RuntimeError("CreateContainerError", `sandbox ${sandboxId} is stopped`);
    const image = this.images.status(config.image);
    if (image === undefined) {
      throw new RuntimeError(
        "CreateContainerError",
        `image ${config.image} is not present on this node: pull it first`,
      );
    }
    const port = image.kind === "http" ? servingPort(config) : undefined;
    if (port !== undefined && pod.netns === undefined) this.checkPortFree(port, config, sandbox);
    const id = newId();
    const record: ContainerRecord = {
      id,
      sandboxId,
      name: config.name,
      attempt: config.attempt,
      labels: { ...config.labels },
      annotations: { ...config.annotations },
      image: config.image,
      imageRef: image.imageRef,
      componentDigest: image.componentDigest,
      kind: image.kind,
      logPath: join(sandbox.logDirectory, config.logPath),
      ...(port !== undefined ? { port } : {}),
      memoryCapPages: memoryCapPages(
        config.resources.memoryLimitBytes,
        this.options.defaultMemoryLimitBytes ?? DEFAULT_MEMORY_LIMIT,
      ),
      createdAt: Date.now(),
    };
    this.state.writeRunConfig({
      id,
      component: join(this.state.transpiledDir(image.componentDigest), "component.js"),
      kind: image.kind,
      args: guestArgs(config),
      env: guestEnv(config),
      cwd: config.workingDir ?? "/",
      preopens: guestPreopens(config),
      ...(port !== undefined ? { listen: { host: this.options.listenHost ?? "0.0.0.0", port } } : {}),
      exitPath: this.state.exitPath(id),
      memoryCapPages: record.memoryCapPages,
    });
    this.state.writeContainer(record);
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const record = this.state.readContainer(id);
    if (record === undefined) throw new RuntimeError("NotFound", `container ${id} not found`);
    if (record.pid !== undefined || record.exit !== undefined) {
      throw new RuntimeError("RunContainerError", `container ${id} was already started`);
    }
    const netns = this.state.readSandbox(record.sandboxId)?.netns;
    if (netns !== undefined && netnsPath(netns) === undefined)
      throw new RuntimeError("RunContainerError", `the network namespace of container ${id}'s pod is gone`);
    const commandPrefix = [...(this.options.commandPrefix ?? []), ...(netns !== undefined ? inNetns(netns) : [])];
    let guest: ReturnType<typeof spawnGuest>;
    try {
      guest = spawnGuest({
        nodePath: this.options.nodePath ?? process.execPath,
        runnerPath: this.options.runnerPath ?? fileURLToPath(new URL("./runner.mjs", import.meta.url)),
        runConfigPath: this.state.runConfigPath(id),
        logPath: record.logPath,
        memoryCapPages: record.memoryCapPages,
        commandPrefix,
      });
    } catch (error) {
      throw new RuntimeError("RunContainerError", `cannot start container ${id}: ${(error as Error).message}`);
    }
    this.children.set(id, guest.child);
    this.state.writeContainer({
      ...record,
      pid: guest.pid,
      ...(guest.startTime !== undefined ? { pidStartTime: guest.startTime } : {}),
      startedAt: Date.now(),
    });
  }

  /** SIGTERM to the guest's process group, SIGKILL after the grace period (at once when it is 0). */
  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const record = this.settle(this.state.readContainer(id));
    if (record?.pid === undefined || record.exit !== undefined) return;
    const { pid, pidStartTime } = record;
    const stop = { requestedAt: Date.now(), killed: false };
    this.state.writeContainer({ ...record, stop });
    if (timeoutSeconds > 0) {
      signalGuest(pid, "SIGTERM");
      if (await waitForGuestExit(pid, pidStartTime, timeoutSeconds * 1000)) {
        await this.reaped(id);
        this.settle(this.state.readContainer(id));
        return;
      }
    }
    this.state.writeContainer({ ...record, stop: { ...stop, killed: true } });
    signalGuest(pid, "SIGKILL");
    await waitForGuestExit(pid, pidStartTime, KILL_WAIT_MS);
    await this.reaped(id);
    this.settle(this.state.readContainer(id));
  }

  async removeContainer(id: string): Promise<void> {
    const record = this.settle(this.state.readContainer(id));
    if (record === undefined) return;
    if (record.pid !== undefined && record.exit === undefined) await this.stopContainer(id, 0);
    this.children.delete(id);
    this.state.removeContainer(id);
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const record = this.settle(this.state.readContainer(id));
    return record === undefined ? undefined : toStatus(record);
  }

  async listContainers(): Promise<ContainerStatus[]> {
    return this.records().map(toStatus);
  }

  async execSync(id: string, _cmd: string[], _timeoutSeconds: number): Promise<ExecResult> {
    throw new RuntimeError(
      "NotSupported",
      `exec is not supported for wasm pods (container ${id}): a WebAssembly component has no shell or processes to run a command in; use an httpGet, tcpSocket or grpc probe instead`,
    );
  }

  /** Guests keep running: they are detached and adopted by the next runtime over this state. */
  async close(): Promise<void> {
    this.children.clear();
  }

  private records(): ContainerRecord[] {
    return this.state
      .containerIds()
      .map((id) => this.settle(this.state.readContainer(id)))
      .filter((r): r is ContainerRecord => r !== undefined);
  }

  /** The record, with its exit recorded once its process is gone. */
  private settle(record: ContainerRecord | undefined): ContainerRecord | undefined {
    if (record === undefined || record.pid === undefined || record.exit !== undefined) return record;
    const child = this.children.get(record.id);
    // Our own child is dead only once Node has reaped it: its exit event says how it ended.
    if (
      child !== undefined
        ? child.exitCode === null && child.signalCode === null
        : isGuestAlive(record.pid, record.pidStartTime)
    ) {
      return record;
    }
    const exit = this.state.readExit(record.id) ?? inferExit(record, child);
    this.state.writeExit(record.id, exit);
    const settled = { ...record, exit };
    this.state.writeContainer(settled);
    this.children.delete(record.id);
    return settled;
  }

  /** Waits for Node to reap a guest this agent started (a moment after it died). */
  private async reaped(id: string): Promise<void> {
    const child = this.children.get(id);
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, KILL_WAIT_MS);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Pods on the node's network share its ports. */
  private checkPortFree(port: number, config: ContainerConfig, sandbox: PodSandboxConfig): void {
    for (const other of this.records()) {
      if (other.port !== port || other.exit !== undefined) continue;
      const otherSandbox = this.state.readSandbox(other.sandboxId);
      if (otherSandbox?.netns !== undefined) continue;
      const owner = otherSandbox?.config;
      const who = owner === undefined ? `container ${other.id}` : `${owner.namespace}/${owner.name} (${other.name})`;
      throw new RuntimeError(
        "CreateContainerError",
        `containerPort ${port} of ${sandbox.namespace}/${sandbox.name} (${config.name}) is already served by wasm pod ${who}: wasm pods share the node's network`,
      );
    }
  }
}
