// A minimal in-memory ContainerRuntime for the pod lifecycle's tests (the shared fake adapter is
// written separately; this one only needs what these tests steer): images present or failing to
// pull, sandboxes with a chosen IP, containers that run until a test makes them exit or the agent
// stops them, exec handled by a test function, and a log of calls to assert on.

import { join } from "node:path";
import {
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerStatus,
  type ExecResult,
  type ImageAuth,
  LABEL_CONTAINER_NAME,
  LABEL_POD_UID,
  type PodSandboxConfig,
  RuntimeError,
  type SandboxStatus,
} from "../../runtime/types.ts";
import type { Clock } from "../clock.ts";

export interface FakeContainer extends ContainerStatus {
  config: ContainerConfig;
}

export interface StopCall {
  id: string;
  name: string;
  timeoutSeconds: number;
}

export class FakeRuntime implements ContainerRuntime {
  readonly name = "fake";
  readonly handlers = ["runc", "wasm"] as const;
  readonly images = new Map<string, string>();
  /** Images whose pull fails with this error. */
  readonly pullErrors = new Map<string, RuntimeError>();
  readonly pulls: { image: string; auth?: ImageAuth }[] = [];
  readonly sandboxes = new Map<string, SandboxStatus & { config: PodSandboxConfig }>();
  readonly containers = new Map<string, FakeContainer>();
  readonly stops: StopCall[] = [];
  readonly calls: string[] = [];
  /** How many times the sandboxes were listed (each pod sync looks at the runtime this way). */
  sandboxLists = 0;
  /** The IP the next sandboxes get. */
  podIP = "10.42.0.10";
  /** Exit code of a container the agent stops (137: killed; 0 or 143 for one that handles SIGTERM). */
  stopExitCode = 137;
  /** Containers (by name) that exit with this code as soon as they start: crash loops. */
  readonly exitOnStart = new Map<string, number>();
  /** Runs an exec in a container; unset means the runtime cannot exec. */
  exec: ((container: FakeContainer, cmd: string[]) => ExecResult | Promise<ExecResult>) | undefined;
  private nextId = 1;
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  async version() {
    return { runtimeName: "fake", runtimeVersion: "0.0.0" };
  }

  async pullImage(image: string, auth?: ImageAuth): Promise<string> {
    this.calls.push(`pullImage ${image}`);
    this.pulls.push(auth ? { image, auth } : { image });
    const error = this.pullErrors.get(image);
    if (error) throw error;
    // Pulling an image already present resolves to the same digest, as a registry whose tag did not move.
    const ref =
      this.images.get(image) ??
      `${image.split(":")[0]}@sha256:${Buffer.from(image).toString("hex").padEnd(64, "0").slice(0, 64)}`;
    this.images.set(image, ref);
    return ref;
  }

  async imageStatus(image: string): Promise<string | undefined> {
    return this.images.get(image);
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const id = `sb${this.nextId++}`;
    this.calls.push(`runPodSandbox ${config.name} ${config.attempt}`);
    this.sandboxes.set(id, {
      id,
      uid: config.uid,
      namespace: config.namespace,
      name: config.name,
      attempt: config.attempt,
      state: "ready",
      ip: this.podIP,
      createdAt: this.clock.now(),
      labels: { ...config.labels },
      config,
    });
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    this.calls.push(`stopPodSandbox ${id}`);
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    for (const c of this.containers.values()) if (c.sandboxId === id && c.state === "running") this.finish(c, 137);
    sb.state = "notready";
  }

  async removePodSandbox(id: string): Promise<void> {
    this.calls.push(`removePodSandbox ${id}`);
    for (const [cid, c] of this.containers) if (c.sandboxId === id) this.containers.delete(cid);
    this.sandboxes.delete(id);
  }

  async podSandboxStatus(id: string): Promise<SandboxStatus | undefined> {
    const sb = this.sandboxes.get(id);
    return sb ? strip(sb) : undefined;
  }

  async listPodSandboxes(): Promise<SandboxStatus[]> {
    this.sandboxLists++;
    return [...this.sandboxes.values()].map(strip);
  }

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string> {
    if (!this.sandboxes.has(sandboxId)) throw new RuntimeError("NotFound", `sandbox ${sandboxId} not found`);
    const id = `c${this.nextId++}`;
    this.calls.push(`createContainer ${config.name} ${config.attempt}`);
    this.containers.set(id, {
      id,
      sandboxId,
      name: config.name,
      attempt: config.attempt,
      state: "created",
      createdAt: this.clock.now(),
      image: config.image,
      imageRef: this.images.get(config.image) ?? "",
      logPath: join(sandbox.logDirectory, config.logPath),
      labels: { ...config.labels },
      config,
    });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.must(id);
    this.calls.push(`startContainer ${c.name} ${c.attempt}`);
    c.state = "running";
    c.startedAt = this.clock.now();
    const code = this.exitOnStart.get(c.name);
    if (code !== undefined) this.finish(c, code);
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const c = this.must(id);
    this.calls.push(`stopContainer ${c.name} ${timeoutSeconds}`);
    this.stops.push({ id, name: c.name, timeoutSeconds });
    if (c.state === "running") this.finish(c, this.stopExitCode);
    else if (c.state === "created") c.state = "exited";
  }

  async removeContainer(id: string): Promise<void> {
    this.calls.push(`removeContainer ${id}`);
    this.containers.delete(id);
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const c = this.containers.get(id);
    return c ? stripContainer(c) : undefined;
  }

  async listContainers(): Promise<ContainerStatus[]> {
    return [...this.containers.values()].map(stripContainer);
  }

  async execSync(id: string, cmd: string[]): Promise<ExecResult> {
    const c = this.must(id);
    if (!this.exec) throw new RuntimeError("NotSupported", "exec is not supported");
    return this.exec(c, cmd);
  }

  async close(): Promise<void> {}

  /** Makes the running container `name` (of pod `uid`, when given) exit with `code`. */
  exit(name: string, code: number, uid?: string): FakeContainer {
    const c = this.running(name, uid);
    if (!c) throw new Error(`no running container ${name}`);
    this.finish(c, code);
    return c;
  }

  running(name: string, uid?: string): FakeContainer | undefined {
    return [...this.containers.values()].find(
      (c) =>
        c.labels[LABEL_CONTAINER_NAME] === name && c.state === "running" && (!uid || c.labels[LABEL_POD_UID] === uid),
    );
  }

  /** Every container named `name`, oldest first. */
  named(name: string): FakeContainer[] {
    return [...this.containers.values()].filter((c) => c.labels[LABEL_CONTAINER_NAME] === name);
  }

  private finish(c: FakeContainer, code: number): void {
    c.state = "exited";
    c.exitCode = code;
    c.finishedAt = this.clock.now();
    c.reason = code === 0 ? "Completed" : "Error";
  }

  private must(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new RuntimeError("NotFound", `container ${id} not found`);
    return c;
  }
}

function strip(sb: SandboxStatus & { config: PodSandboxConfig }): SandboxStatus {
  const { config: _config, ...rest } = sb;
  return { ...rest, labels: { ...rest.labels } };
}

function stripContainer(c: FakeContainer): ContainerStatus {
  const { config: _config, ...rest } = c;
  return { ...rest, labels: { ...rest.labels } };
}
