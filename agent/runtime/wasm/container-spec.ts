// From a CRI-style ContainerConfig to what a wasm guest gets: argv, env, preopened directories,
// a memory cap in wasm pages, the port it serves on. Pure functions, checked at createContainer so
// that a pod that cannot run is refused with a clear message before anything starts.
import { statSync } from "node:fs";
import { parseImageReference } from "../image-reference.ts";
import { type ContainerConfig, RuntimeError } from "../types.ts";

export const WASM_PAGE_BYTES = 65_536;
/** wasm32 cannot address more than 4 GiB. */
const MAX_PAGES = 65_536;

export interface Preopen {
  /** Path the guest sees. */
  guest: string;
  /** Host directory behind it. */
  host: string;
  readOnly: boolean;
}

/** --wasm-max-mem-pages for a memory limit: the limit in whole 64 KiB pages, at least 1. */
export function memoryCapPages(limitBytes: number | undefined, defaultBytes: number): number {
  const bytes = limitBytes !== undefined && limitBytes > 0 ? limitBytes : defaultBytes;
  return Math.min(MAX_PAGES, Math.max(1, Math.floor(bytes / WASM_PAGE_BYTES)));
}

/**
 * The guest's argv: command and args as Kubernetes joins them. A component has no entrypoint of
 * its own, so without a command argv[0] is the image's name (as wasmtime uses the file name).
 */
export function guestArgs(config: ContainerConfig): string[] {
  if (config.command.length > 0) return [...config.command, ...config.args];
  let program = "main.wasm";
  try {
    program = parseImageReference(config.image).repository.split("/").pop() ?? program;
  } catch {
    // The image was parsed at pull time; keep the default name.
  }
  return [program, ...config.args];
}

/** Environment variables; a later duplicate wins, as in a container. */
export function guestEnv(config: ContainerConfig): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { name, value } of config.env) env[name] = value;
  return env;
}

/** Mounts as preopens. Only directories can be preopened: a single-file mount is refused. */
export function guestPreopens(config: ContainerConfig): Preopen[] {
  return config.mounts.map((mount) => {
    let isDirectory = false;
    try {
      isDirectory = statSync(mount.hostPath).isDirectory();
    } catch {
      throw createError(`volume mount ${mount.containerPath}: ${mount.hostPath} does not exist`);
    }
    if (!isDirectory) {
      throw createError(
        `volume mount ${mount.containerPath}: wasm guests get directories only (preopens), and ${mount.hostPath} is a file; mount its directory instead of using subPath`,
      );
    }
    if (!mount.containerPath.startsWith("/")) {
      throw createError(`volume mount ${mount.containerPath}: the path must be absolute`);
    }
    return { guest: mount.containerPath, host: mount.hostPath, readOnly: mount.readOnly };
  });
}

/** The TCP port a wasi:http component serves on: its first TCP containerPort. */
export function servingPort(config: ContainerConfig): number {
  const port = config.ports.find((p) => p.protocol === "TCP")?.containerPort;
  if (port === undefined) {
    throw createError(`container ${config.name} is a wasi:http component and needs a TCP containerPort to serve on`);
  }
  return port;
}

function createError(message: string): RuntimeError {
  return new RuntimeError("CreateContainerError", message);
}
