// Several runtimes behind one ContainerRuntime: a root node runs containers through containerd
// (handler "runc", the default for pods without a runtimeClassName) and WebAssembly pods through
// jco (handler "wasm"). Sandboxes go to the runtime serving their handler; every later call by id
// goes to the runtime that owns that id (learned on create and list, else asked).
import type {
  ContainerConfig,
  ContainerRuntime,
  ContainerStatus,
  ExecResult,
  ImageAuth,
  PodSandboxConfig,
  SandboxStatus,
  StreamingRequest,
} from "./types.ts";
import { RuntimeError } from "./types.ts";

export class MultiRuntime implements ContainerRuntime {
  readonly name: string;
  readonly handlers: readonly string[];
  private readonly runtimes: readonly ContainerRuntime[];
  private readonly owners = new Map<string, ContainerRuntime>();

  /** `runtimes[0]` is the default: it serves pods without a runtimeClassName. */
  constructor(runtimes: readonly ContainerRuntime[]) {
    if (runtimes.length === 0) throw new Error("MultiRuntime needs at least one runtime");
    this.runtimes = runtimes;
    this.name = runtimes.map((r) => r.name).join("+");
    this.handlers = runtimes.flatMap((r) => r.handlers);
  }

  private forHandler(handler: string | undefined): ContainerRuntime {
    if (handler === undefined || handler === "") return this.runtimes[0] as ContainerRuntime;
    const runtime = this.runtimes.find((r) => r.handlers.includes(handler));
    if (runtime === undefined)
      throw new RuntimeError("RuntimeHandlerNotFound", `no runtime on this node serves handler "${handler}"`);
    return runtime;
  }

  /** The runtime that owns `id`, or undefined when none knows it. */
  private async owner(id: string, kind: "container" | "sandbox"): Promise<ContainerRuntime | undefined> {
    const known = this.owners.get(id);
    if (known !== undefined) return known;
    for (const runtime of this.runtimes) {
      const found = kind === "container" ? await runtime.containerStatus(id) : await runtime.podSandboxStatus(id);
      if (found !== undefined) {
        this.owners.set(id, runtime);
        return runtime;
      }
    }
    return undefined;
  }

  /** The node reports the default runtime's version (containerRuntimeVersion). */
  version(): Promise<{ runtimeName: string; runtimeVersion: string }> {
    return (this.runtimes[0] as ContainerRuntime).version();
  }

  pullImage(image: string, auth?: ImageAuth, handler?: string): Promise<string> {
    return this.forHandler(handler).pullImage(image, auth, handler);
  }

  imageStatus(image: string, handler?: string): Promise<string | undefined> {
    return this.forHandler(handler).imageStatus(image, handler);
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const runtime = this.forHandler(config.runtimeHandler);
    const id = await runtime.runPodSandbox(config);
    this.owners.set(id, runtime);
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    await (await this.owner(id, "sandbox"))?.stopPodSandbox(id);
  }

  async removePodSandbox(id: string): Promise<void> {
    await (await this.owner(id, "sandbox"))?.removePodSandbox(id);
    this.owners.delete(id);
  }

  async podSandboxStatus(id: string): Promise<SandboxStatus | undefined> {
    return (await this.owner(id, "sandbox"))?.podSandboxStatus(id);
  }

  async sandboxNetns(id: string): Promise<string | undefined> {
    return (await this.owner(id, "sandbox"))?.sandboxNetns?.(id);
  }

  async listPodSandboxes(podUid?: string): Promise<SandboxStatus[]> {
    const all: SandboxStatus[] = [];
    for (const runtime of this.runtimes) {
      for (const s of await runtime.listPodSandboxes(podUid)) {
        this.owners.set(s.id, runtime);
        all.push(s);
      }
    }
    return all;
  }

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string> {
    const runtime = (await this.owner(sandboxId, "sandbox")) ?? this.forHandler(sandbox.runtimeHandler);
    const id = await runtime.createContainer(sandboxId, config, sandbox);
    this.owners.set(id, runtime);
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const runtime = await this.owner(id, "container");
    if (runtime === undefined) throw new RuntimeError("RunContainerError", `container "${id}" not found`);
    await runtime.startContainer(id);
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await (await this.owner(id, "container"))?.stopContainer(id, timeoutSeconds);
  }

  async removeContainer(id: string): Promise<void> {
    await (await this.owner(id, "container"))?.removeContainer(id);
    this.owners.delete(id);
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const runtime = await this.owner(id, "container");
    const status = await runtime?.containerStatus(id);
    return status && runtime ? { ...status, runtime: runtime.name } : status;
  }

  async listContainers(podUid?: string): Promise<ContainerStatus[]> {
    const all: ContainerStatus[] = [];
    for (const runtime of this.runtimes) {
      for (const c of await runtime.listContainers(podUid)) {
        this.owners.set(c.id, runtime);
        all.push({ ...c, runtime: runtime.name });
      }
    }
    return all;
  }

  async reopenContainerLog(id: string): Promise<void> {
    const runtime = await this.owner(id, "container");
    if (runtime?.reopenContainerLog === undefined)
      throw new RuntimeError("NotSupported", `container "${id}": its runtime cannot reopen logs`);
    await runtime.reopenContainerLog(id);
  }

  async execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult> {
    const runtime = await this.owner(id, "container");
    if (runtime === undefined) throw new RuntimeError("ExecError", `container "${id}" not found`);
    return runtime.execSync(id, cmd, timeoutSeconds);
  }

  async streamingUrl(id: string, request: StreamingRequest): Promise<string> {
    const runtime = await this.owner(id, "container");
    if (runtime === undefined) throw new RuntimeError("NotFound", `container "${id}" not found`);
    if (runtime.streamingUrl === undefined)
      throw new RuntimeError("NotSupported", `the ${runtime.name} runtime does not serve ${request.kind}`);
    return runtime.streamingUrl(id, request);
  }

  async close(): Promise<void> {
    for (const runtime of this.runtimes) await runtime.close();
  }
}
