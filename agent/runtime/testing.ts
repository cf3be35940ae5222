// Helpers for runtime tests: complete configs with sensible defaults, and polling.
import {
  type ContainerConfig,
  LABEL_CONTAINER_NAME,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  type PodSandboxConfig,
} from "./types.ts";

/** A pod sandbox config with the labels the agent sets; fields given override the defaults. */
export function podConfig(fields: Partial<PodSandboxConfig> & { uid: string }): PodSandboxConfig {
  const name = fields.name ?? `pod-${fields.uid}`;
  const namespace = fields.namespace ?? "default";
  return {
    namespace,
    name,
    hostname: name,
    attempt: 0,
    logDirectory: `/tmp/kflare-pods/${namespace}_${name}_${fields.uid}`,
    portMappings: [],
    hostNetwork: true,
    runtimeHandler: "runc",
    annotations: {},
    ...fields,
    labels: { [LABEL_POD_UID]: fields.uid, [LABEL_POD_NAME]: name, [LABEL_POD_NAMESPACE]: namespace, ...fields.labels },
  };
}

/** A container config; `logPath` defaults to "<name>/<attempt>.log" as kubelet names them. */
export function containerConfig(fields: Partial<ContainerConfig> & { name: string; image: string }): ContainerConfig {
  const attempt = fields.attempt ?? 0;
  return {
    command: [],
    args: [],
    env: [],
    mounts: [],
    resources: {},
    logPath: `${fields.name}/${attempt}.log`,
    stdin: false,
    tty: false,
    ports: [],
    annotations: {},
    attempt,
    ...fields,
    labels: { [LABEL_CONTAINER_NAME]: fields.name, ...fields.labels },
  };
}

export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` every 25 ms until it returns something other than undefined; throws after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await pause(25);
  }
}
