// Container records as the agent sees them (ContainerStatus), and the exit status of guests that
// could not record it themselves because a signal ended them.
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { networkInterfaces } from "node:os";
import type { ContainerStatus } from "../types.ts";
import type { ContainerRecord, ExitRecord } from "./state.ts";

/** How a guest ended when it could not say so itself (killed by a signal). */
export function inferExit(record: ContainerRecord, child: ChildProcess | undefined): ExitRecord {
  const finishedAt = Date.now();
  const signal = child?.signalCode;
  if (signal === "SIGKILL" || record.stop?.killed === true) {
    return { exitCode: 137, reason: "Error", message: "killed (SIGKILL)", finishedAt };
  }
  if (signal === "SIGTERM" || record.stop !== undefined) {
    return { exitCode: 143, reason: "Error", message: "terminated (SIGTERM)", finishedAt };
  }
  if (signal !== null && signal !== undefined) {
    return { exitCode: 128 + signalNumber(signal), reason: "Error", message: `killed by ${signal}`, finishedAt };
  }
  return {
    exitCode: 255,
    reason: "Unknown",
    message: "the guest process ended without recording its exit status (killed while no agent was watching?)",
    finishedAt,
  };
}

function signalNumber(signal: NodeJS.Signals): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGQUIT: 3,
    SIGABRT: 6,
    SIGSEGV: 11,
  };
  return numbers[signal] ?? 0;
}

export function toStatus(record: ContainerRecord): ContainerStatus {
  const state = record.exit !== undefined ? "exited" : record.pid !== undefined ? "running" : "created";
  return {
    id: record.id,
    sandboxId: record.sandboxId,
    name: record.name,
    attempt: record.attempt,
    state,
    createdAt: record.createdAt,
    ...(record.startedAt !== undefined ? { startedAt: record.startedAt } : {}),
    ...(record.exit !== undefined
      ? {
          finishedAt: record.exit.finishedAt,
          exitCode: record.exit.exitCode,
          reason: record.exit.reason,
          ...(record.exit.message !== undefined ? { message: record.exit.message } : {}),
        }
      : {}),
    image: record.image,
    imageRef: record.imageRef,
    logPath: record.logPath,
    labels: { ...record.labels },
  };
}

export function newId(): string {
  return randomBytes(32).toString("hex");
}

export function firstExternalIPv4(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === "IPv4" && !address.internal) return address.address;
    }
  }
  return undefined;
}
