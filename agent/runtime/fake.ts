// An in-memory ContainerRuntime for fast, deterministic tests of the agent. Images are declared
// up front with what their containers do (print, exit after N ms with a code, run until stopped,
// get OOM-killed on start, fail to pull). Time comes from an injectable clock and container exits
// are computed when asked, so there are no timers to leak. Log files are real files in CRI format,
// as the agent's log reader reads them. Two FakeRuntimes sharing one FakeNodeState behave like
// one node across an agent restart.
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { formatCriLine, type LogStream } from "./cri-log.ts";
import { formatImageReference, parseImageReference } from "./image-reference.ts";
import {
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerStatus,
  type ExecResult,
  type ImageAuth,
  type PodSandboxConfig,
  RuntimeError,
  type SandboxStatus,
} from "./types.ts";

/** What a container of this image does. */
export interface FakeImage {
  /** Lines written to the log when the container starts. */
  output?: { stream: LogStream; line: string }[];
  /** The container exits this many ms after it started; omitted: it runs until stopped. */
  exitAfterMs?: number;
  /** Exit code when it exits by itself (default 0). */
  exitCode?: number;
  /** Killed for memory as soon as it starts: reason OOMKilled, exit code 137. */
  oomOnStart?: boolean;
  /** Ignores SIGTERM: stopContainer waits the whole grace period, then kills it (137). */
  ignoresSigterm?: boolean;
  /** pullImage fails with ErrImagePull and this message. */
  pullError?: string;
  /** What execSync returns (default: exit 0 with the command echoed on stdout). */
  exec?: (cmd: string[]) => ExecResult;
}

interface FakeSandbox {
  config: PodSandboxConfig;
  status: SandboxStatus;
}

interface FakeContainer {
  status: ContainerStatus;
  image: FakeImage;
}

/** The node: what survives an agent restart. Share it between FakeRuntimes to simulate one. */
export class FakeNodeState {
  readonly sandboxes = new Map<string, FakeSandbox>();
  readonly containers = new Map<string, FakeContainer>();
  /** Pulled images: canonical reference -> resolved reference. */
  readonly images = new Map<string, string>();
  nextId = 1;
}

export interface FakeRuntimeOptions {
  /** Images by reference (any spelling that parses: "hello" is docker.io/library/hello:latest). */
  images?: Record<string, FakeImage>;
  state?: FakeNodeState;
  /** Clock in ms (default Date.now). */
  now?: () => number;
  /** How grace periods are waited (default a real timer); tests with a manual clock advance it here. */
  sleep?: (ms: number) => Promise<void>;
  /** The node's address, reported as host-network sandboxes' IP. */
  nodeIP?: string;
  /** Handlers served (default: "runc" and "wasm", so any pod can land on a fake node). */
  handlers?: readonly string[];
}

export class FakeRuntime implements ContainerRuntime {
  readonly name = "fake";
  readonly handlers: readonly string[];
  readonly state: FakeNodeState;
  private readonly images = new Map<string, FakeImage>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly nodeIP: string;

  constructor(options: FakeRuntimeOptions = {}) {
    this.state = options.state ?? new FakeNodeState();
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.nodeIP = options.nodeIP ?? "192.0.2.10";
    this.handlers = options.handlers ?? ["runc", "wasm"];
    for (const [ref, image] of Object.entries(options.images ?? {})) this.images.set(canonical(ref), image);
  }

  async version(): Promise<{ runtimeName: string; runtimeVersion: string }> {
    return { runtimeName: "fake", runtimeVersion: "0.1.0" };
  }

  async pullImage(image: string, _auth?: ImageAuth): Promise<string> {
    const ref = canonical(image);
    const found = this.images.get(ref);
    if (found === undefined) throw new RuntimeError("ErrImagePull", `${image}: not found`);
    if (found.pullError !== undefined) throw new RuntimeError("ErrImagePull", `${image}: ${found.pullError}`);
    const parsed = parseImageReference(image);
    const resolved = `${parsed.registry}/${parsed.repository}@sha256:${fakeDigest(ref)}`;
    this.state.images.set(ref, resolved);
    return resolved;
  }

  async imageStatus(image: string): Promise<string | undefined> {
    try {
      return this.state.images.get(canonical(image));
    } catch {
      return undefined;
    }
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const id = this.newId("sandbox");
    const ip = config.hostNetwork ? this.nodeIP : `10.88.0.${(this.state.nextId % 250) + 2}`;
    const status: SandboxStatus = {
      id,
      uid: config.uid,
      namespace: config.namespace,
      name: config.name,
      attempt: config.attempt,
      state: "ready",
      ip,
      createdAt: this.now(),
      labels: { ...config.labels },
    };
    this.state.sandboxes.set(id, { config: structuredClone(config), status });
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sandbox = this.state.sandboxes.get(id);
    if (sandbox === undefined) return;
    for (const c of this.containersOf(id)) this.kill(c, 137);
    sandbox.status.state = "notready";
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.stopPodSandbox(id);
    for (const c of this.containersOf(id)) this.state.containers.delete(c.status.id);
    this.state.sandboxes.delete(id);
  }

  async podSandboxStatus(id: string): Promise<SandboxStatus | undefined> {
    const sandbox = this.state.sandboxes.get(id);
    return sandbox === undefined ? undefined : structuredClone(sandbox.status);
  }

  async listPodSandboxes(): Promise<SandboxStatus[]> {
    return [...this.state.sandboxes.values()].map((s) => structuredClone(s.status));
  }

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string> {
    if (!this.state.sandboxes.has(sandboxId)) throw new RuntimeError("NotFound", `sandbox ${sandboxId} not found`);
    const ref = canonical(config.image);
    const imageRef = this.state.images.get(ref);
    const image = this.images.get(ref);
    if (imageRef === undefined || image === undefined) {
      throw new RuntimeError("CreateContainerError", `image ${config.image} is not present on this node`);
    }
    const id = this.newId("container");
    this.state.containers.set(id, {
      image,
      status: {
        id,
        sandboxId,
        name: config.name,
        attempt: config.attempt,
        state: "created",
        createdAt: this.now(),
        image: config.image,
        imageRef,
        logPath: join(sandbox.logDirectory, config.logPath),
        labels: { ...config.labels },
      },
    });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.state.containers.get(id);
    if (c === undefined) throw new RuntimeError("NotFound", `container ${id} not found`);
    if (c.status.state !== "created")
      throw new RuntimeError("RunContainerError", `container ${id} was already started`);
    const now = this.now();
    c.status.state = "running";
    c.status.startedAt = now;
    mkdirSync(dirname(c.status.logPath), { recursive: true });
    for (const { stream, line } of c.image.output ?? [])
      appendFileSync(c.status.logPath, formatCriLine(stream, line, now));
    if (c.image.oomOnStart === true) {
      this.finish(c, 137, now, "OOMKilled");
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const c = this.settled(id);
    if (c === undefined || c.status.state !== "running") return;
    if (timeoutSeconds > 0 && c.image.ignoresSigterm !== true) {
      this.kill(c, 143);
      return;
    }
    if (timeoutSeconds > 0) await this.sleep(timeoutSeconds * 1000);
    this.kill(c, 137);
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.state.containers.get(id);
    if (c === undefined) return;
    this.kill(c, 137);
    this.state.containers.delete(id);
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const c = this.settled(id);
    return c === undefined ? undefined : structuredClone(c.status);
  }

  async listContainers(): Promise<ContainerStatus[]> {
    return [...this.state.containers.keys()].flatMap((id) => {
      const c = this.settled(id);
      return c === undefined ? [] : [structuredClone(c.status)];
    });
  }

  async execSync(id: string, cmd: string[], _timeoutSeconds: number): Promise<ExecResult> {
    const c = this.settled(id);
    if (c === undefined) throw new RuntimeError("NotFound", `container ${id} not found`);
    if (c.status.state !== "running") throw new RuntimeError("ContainerNotRunning", `container ${id} is not running`);
    if (c.image.exec !== undefined) return c.image.exec(cmd);
    return { exitCode: 0, stdout: new TextEncoder().encode(`${cmd.join(" ")}\n`), stderr: new Uint8Array() };
  }

  async close(): Promise<void> {}

  private newId(kind: string): string {
    return `${kind}-${this.state.nextId++}`;
  }

  private containersOf(sandboxId: string): FakeContainer[] {
    return [...this.state.containers.values()].filter((c) => c.status.sandboxId === sandboxId);
  }

  /** The container with its self-exit applied if its time has come. */
  private settled(id: string): FakeContainer | undefined {
    const c = this.state.containers.get(id);
    const { exitAfterMs } = c?.image ?? {};
    if (c?.status.state === "running" && exitAfterMs !== undefined && c.status.startedAt !== undefined) {
      const at = c.status.startedAt + exitAfterMs;
      if (this.now() >= at) this.finish(c, c.image.exitCode ?? 0, at);
    }
    return c;
  }

  private kill(c: FakeContainer, exitCode: number): void {
    const id = c.status.id;
    if (this.settled(id)?.status.state === "running") this.finish(c, exitCode, this.now());
    else if (c.status.state === "created") this.finish(c, exitCode, this.now());
  }

  private finish(c: FakeContainer, exitCode: number, at: number, reason?: string): void {
    c.status.state = "exited";
    c.status.exitCode = exitCode;
    c.status.finishedAt = at;
    c.status.reason = reason ?? (exitCode === 0 ? "Completed" : "Error");
  }
}

function canonical(image: string): string {
  return formatImageReference(parseImageReference(image));
}

/** A stable fake digest: 64 hex digits derived from the reference (FNV-1a, repeated). */
function fakeDigest(ref: string): string {
  let out = "";
  let hash = 0x811c9dc5;
  while (out.length < 64) {
    for (const ch of `${ref}${out.length}`) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    out += hash.toString(16).padStart(8, "0");
  }
  return out.slice(0, 64);
}
