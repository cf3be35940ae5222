// terminationMessagePath and terminationMessagePolicy, as kubelet does them: each container attempt
// gets its own empty file, mounted read-write at the path (default /dev/termination-log); after
// the container exits, what it wrote there (at most 4 KiB) becomes state.terminated.message. With
// FallbackToLogsOnError, a failed container that wrote nothing gets the tail of its log instead.
import { chmod, mkdir, open, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Container } from "../../schemas/core/container.ts";
import { parseCriLog } from "../runtime/cri-log.ts";
import type { Mount } from "../runtime/types.ts";
import type { RuntimeContainer } from "./observed.ts";

const DEFAULT_PATH = "/dev/termination-log";
/** Upstream's cap on one container's message. */
export const MAX_MESSAGE_BYTES = 4096;
/** The log fallback: upstream's last 80 lines, at most 2 KiB. */
const FALLBACK_LINES = 80;
const FALLBACK_BYTES = 2048;

export function terminationLogPath(podDir: string, name: string, attempt: number): string {
  return join(podDir, "termination", `${name}-${attempt}`);
}

/** Creates the attempt's empty file and its mount; none when the path is set to "". */
export async function terminationMount(
  podDir: string,
  container: Container,
  attempt: number,
): Promise<Mount | undefined> {
  const containerPath = container.terminationMessagePath ?? DEFAULT_PATH;
  if (containerPath === "") return undefined;
  const hostPath = terminationLogPath(podDir, container.name ?? "", attempt);
  await mkdir(join(podDir, "termination"), { recursive: true });
  await writeFile(hostPath, "");
  // Any user the container runs as may write it.
  await chmod(hostPath, 0o666);
  return { hostPath, containerPath, readOnly: false };
}

async function head(path: string, bytes: number): Promise<string> {
  const file = await open(path, "r").catch(() => undefined);
  if (file === undefined) return "";
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await file.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead).toString("utf8");
  } finally {
    await file.close();
  }
}

async function logTail(logPath: string): Promise<string> {
  const text = await readFile(logPath, "utf8").catch(() => "");
  const lines = parseCriLog(text)
    .records.filter((r) => r.full)
    .map((r) => r.content);
  const tail = `${lines.slice(-FALLBACK_LINES).join("\n")}\n`;
  return tail.length > FALLBACK_BYTES ? tail.slice(-FALLBACK_BYTES) : tail.trim() === "" ? "" : tail;
}

/** The message of an exited container attempt ("" when there is none). */
export async function terminationMessage(
  c: RuntimeContainer,
  podDir: string,
  spec: Container | undefined,
): Promise<string> {
  const written = await head(terminationLogPath(podDir, c.name, c.attempt), MAX_MESSAGE_BYTES);
  if (written !== "") return written;
  if (spec?.terminationMessagePolicy === "FallbackToLogsOnError" && (c.exitCode ?? 0) !== 0) return logTail(c.logPath);
  return "";
}
