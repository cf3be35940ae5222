// kubectl logs on the node: reads a container's CRI-format log file (and its rotated
// predecessors) and yields what kubectl prints: the content, optionally each line prefixed with its
// timestamp, filtered by --since, cut to --tail and --limit-bytes, followed with -f.

import { open, readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { parseCriLine } from "../runtime/cri-log.ts";

export interface LogOptions {
  follow: boolean;
  timestamps: boolean;
  tailLines?: number;
  /** ms since the epoch: lines before it are skipped. */
  since?: number;
  limitBytes?: number;
}

/** The file and its rotated predecessors (`<file>.1`, `<file>.2`... oldest last), oldest first. */
async function filesOf(path: string): Promise<string[]> {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const rotated = names
    .filter((n) => n.startsWith(`${base}.`) && /^\d+$/.test(n.slice(base.length + 1)))
    .sort((a, b) => Number(b.slice(base.length + 1)) - Number(a.slice(base.length + 1)))
    .map((n) => join(dir, n));
  return [...rotated, ...(names.includes(base) ? [path] : [])];
}

function render(line: string, timestamps: boolean, since: number | undefined): string | undefined {
  const r = parseCriLine(line);
  if (!r) return undefined;
  if (since !== undefined && Date.parse(r.time) < since) return undefined;
  const text = r.full ? `${r.content}\n` : r.content;
  return timestamps ? `${r.time} ${text}` : text;
}

async function readFrom(path: string, offset: number): Promise<{ text: string; size: number }> {
  const fh = await open(path, "r");
  try {
    const { size } = await fh.stat();
    if (size <= offset) return { text: "", size };
    const buf = Buffer.alloc(size - offset);
    await fh.read(buf, 0, buf.length, offset);
    return { text: buf.toString("utf8"), size };
  } finally {
    await fh.close();
  }
}

/**
 * Streams the log to `write` until done (or, with follow, until `signal` aborts). Resolves false when
 * the log file does not exist.
 */
export async function streamLog(
  path: string,
  opts: LogOptions,
  write: (text: string) => Promise<void>,
  signal: AbortSignal,
): Promise<boolean> {
  const files = await filesOf(path);
  if (files.length === 0) return false;
  let budget = opts.limitBytes ?? Number.POSITIVE_INFINITY;
  const emit = async (text: string): Promise<boolean> => {
    if (text.length === 0) return budget > 0;
    const bytes = Buffer.byteLength(text);
    if (bytes > budget) {
      await write(Buffer.from(text).subarray(0, budget).toString("utf8"));
      budget = 0;
      return false;
    }
    budget -= bytes;
    await write(text);
    return budget > 0;
  };
  // Everything already written, as rendered lines (tail applies to these only).
  let lines: string[] = [];
  let offset = 0;
  let carry = "";
  for (const f of files) {
    const { text, size } = await readFrom(f, 0);
    if (f === path) offset = size;
    const all = (f === path ? carry + text : text).split("\n");
    if (f === path) carry = all.pop() ?? "";
    else all.pop();
    for (const l of all) {
      const out = render(l, opts.timestamps, opts.since);
      if (out !== undefined) lines.push(out);
    }
  }
  if (opts.tailLines !== undefined) lines = opts.tailLines === 0 ? [] : lines.slice(-opts.tailLines);
  if (!(await emit(lines.join("")))) return true;
  while (opts.follow && !signal.aborted) {
    await new Promise((r) => setTimeout(r, 200));
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      break; // the container is gone
    }
    if (size < offset) offset = 0; // rotated: start of the new file
    if (size === offset) continue;
    const next = await readFrom(path, offset);
    offset = next.size;
    const parts = (carry + next.text).split("\n");
    carry = parts.pop() ?? "";
    let text = "";
    for (const l of parts) text += render(l, opts.timestamps, opts.since) ?? "";
    if (!(await emit(text))) break;
  }
  return true;
}
