// Where a local workerd's time goes: a CPU profile taken through the V8 inspector, printed as the
// functions with the most self time. The control plane must have been started with
// KFLARE_INSPECTOR_PORT set (cli/local-control-plane.ts opens the inspector only then).
//
//   KFLARE_INSPECTOR_PORT=9229 npm run bench:scheduler -- --large-only &
//   node bench/lib/profile.ts --port 9229 --seconds 20 [--out profile.cpuprofile]

import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The sampling interval asked for, µs. */
const SAMPLE_US = 500;

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "9229" },
    seconds: { type: "string", default: "20" },
    top: { type: "string", default: "30" },
    out: { type: "string" },
  },
});

const targets = (await (await fetch(`http://127.0.0.1:${values.port}/json`)).json()) as {
  title: string;
  webSocketDebuggerUrl: string;
}[];
const target = targets[0];
if (!target) throw new Error(`no inspector target on port ${values.port}`);
console.log(`profiling ${target.title} for ${values.seconds} s`);

const ws = new WebSocket(target.webSocketDebuggerUrl);
await new Promise((resolve, reject) => {
  ws.onopen = resolve;
  ws.onerror = reject;
});
let nextId = 1;
const pending = new Map<number, (result: unknown) => void>();
ws.onmessage = (m) => {
  const msg = JSON.parse(String(m.data)) as { id?: number; result?: unknown };
  if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
};
function send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
  const id = nextId++;
  ws.send(JSON.stringify({ id, method, params }));
  return new Promise((resolve) => pending.set(id, resolve as (r: unknown) => void));
}

await send("Profiler.enable");
await send("Profiler.setSamplingInterval", { interval: SAMPLE_US });
await send("Profiler.start");
await new Promise((r) => setTimeout(r, Number(values.seconds) * 1000));
const { profile } = await send<{ profile: Profile }>("Profiler.stop");
ws.close();
if (values.out) await writeFile(values.out, JSON.stringify(profile));

// Each sample counts as one sampling interval. The profile's own time deltas are not used: when the
// machine stalls, one sample can carry seconds (a profile showed parseApiPath at 28% that way).
// Self time: each sample goes to the function it landed in. Total time: to every
// function on that sample's stack (once, however often it recurs there).
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const label = (n: ProfileNode) => {
  const f = n.callFrame;
  return `${f.functionName || "(anonymous)"} ${f.url.split("/").pop() ?? ""}:${f.lineNumber + 1}`;
};
const self = new Map<string, number>();
/** By entry point: the outermost function of each sample's stack (what the event loop ran). */
const entry = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
profile.samples.forEach((id) => {
  const n = byId.get(id);
  const dt = SAMPLE_US;
  if (!n) return;
  self.set(label(n), (self.get(label(n)) ?? 0) + dt);
  let outer = n;
  for (let at = parent.get(id); at !== undefined && parent.get(at) !== undefined; at = parent.get(at))
    outer = byId.get(at)!;
  entry.set(label(outer), (entry.get(label(outer)) ?? 0) + dt);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const key = label(byId.get(at)!);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
  }
  total += dt;
});
const print = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  const rows = [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
  for (const [key, us] of rows) console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`);
};
console.log(`${profile.samples.length} samples (one asked for every ${SAMPLE_US} µs; a busy machine takes fewer)`);
print("self time", self);
print("total time (self and callees)", inclusive);
print("by entry point", entry);
