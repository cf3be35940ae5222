// One fuzzing run against a fresh cluster: the requests, the checks of each answer, the record of
// what was created, then the consistency checks. Returns every problem found, each naming the
// request that caused it.

import { exports } from "cloudflare:workers";
import { checkResponse } from "./check.ts";
import { type Call, checkConsistency, type Tracked } from "./consistency.ts";
import { Rng } from "./prng.ts";
import { type FuzzRequest, type FuzzState, nextRequest } from "./requests.ts";

// The test configuration's ADMIN_TOKEN_HASH is sha256("test").
const TOKEN = "test";
const MAX_REPORTED = 25;

export interface FuzzReport {
  problems: string[];
  requests: number;
  elapsedMs: number;
  statuses: Record<string, number>;
}

function excerpt(body: FuzzRequest["body"]): string {
  if (body === undefined) return "";
  const text =
    typeof body === "string" ? body : `bytes ${Array.from(body.slice(0, 48), (b) => b.toString(16)).join(" ")}`;
  return text.length > 300 ? `${text.slice(0, 300)}... (${text.length} chars)` : text;
}

function describeRequest(i: number, r: FuzzRequest): string {
  const type = r.headers["content-type"];
  const path = r.path.length > 300 ? `${r.path.slice(0, 300)}...` : r.path;
  return `#${i} ${r.kind}: ${r.method} ${path}${type !== undefined ? ` [${type}]` : ""} ${excerpt(r.body)}`;
}

function fetchAs(url: URL | string, init: RequestInit): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${TOKEN}`);
  return exports.default.fetch(new Request(url, { ...init, headers }));
}

function caller(prefix: string): (r: FuzzRequest) => Promise<Response> {
  return (r) => {
    let url = new URL(`https://kflare.test${prefix}${r.path}`);
    // Dot segments are resolved by the URL parser; never let them climb out of the fuzzed cluster.
    if (!url.pathname.startsWith(`${prefix}/`)) url = new URL(`https://kflare.test${prefix}/api/v1${url.search}`);
    const body = r.method === "GET" || r.method === "HEAD" ? undefined : r.body;
    return fetchAs(url, { method: r.method, headers: r.headers, body });
  };
}

/** Records what a create (POST or server-side apply) left behind, so later checks can hold it to it. */
function record(req: FuzzRequest, status: number, state: FuzzState, tracked: Tracked): void {
  const c = req.create;
  if (!c) return;
  if (status === 201 && !c.dryRun) {
    state.objects.set(c.kind, [...(state.objects.get(c.kind) ?? []), c.objectPath]);
    if (c.kind === "Namespace") state.namespaces.push(c.name);
  } else if (status >= 400 || c.dryRun) tracked.absent.push(c.objectPath);
}

export async function runFuzz(seed: number, requests: number): Promise<FuzzReport> {
  const rng = new Rng(seed);
  const cluster = `fz${seed.toString(36)}${Date.now().toString(36)}`;
  const prefix = `/clusters/${cluster}`;
  const made = await fetchAs("https://kflare.test/kflare/v1/clusters", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ metadata: { name: cluster } }),
  });
  if (made.status !== 201) throw new Error(`creating cluster ${cluster}: ${made.status} ${await made.text()}`);
  const send = caller(prefix);
  const setup = await send({
    kind: "setup",
    method: "POST",
    path: "/api/v1/namespaces",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ metadata: { name: "fz-ns" } }),
  });
  if (setup.status !== 201) throw new Error(`creating namespace fz-ns: ${setup.status} ${await setup.text()}`);

  const state: FuzzState = { namespaces: ["default", "fz-ns"], objects: new Map(), seq: 0 };
  const tracked: Tracked = { absent: [] };
  const problems: string[] = [];
  const statuses: Record<string, number> = {};
  const started = Date.now();
  for (let i = 0; i < requests; i++) {
    const req = nextRequest(rng, state);
    try {
      let checked = await checkResponse(await send(req), req.method, req.path);
      // A HEAD answer has no body to check: its GET twin shows what the 5xx was.
      if (req.method === "HEAD" && checked.status >= 500)
        checked = await checkResponse(await send({ ...req, method: "GET" }), "GET", req.path);
      statuses[checked.status] = (statuses[checked.status] ?? 0) + 1;
      if (checked.problems.length > 0 && problems.length < MAX_REPORTED)
        problems.push(`${describeRequest(i, req)}\n    -> ${checked.problems.join("; ")}`);
      record(req, checked.status, state, tracked);
    } catch (err) {
      problems.push(`${describeRequest(i, req)}\n    -> threw ${err instanceof Error ? err.stack : String(err)}`);
    }
  }
  const elapsedMs = Date.now() - started;

  const call: Call = (method, path, body) =>
    send({ kind: "check", method, path, headers: body ? { "content-type": "application/json" } : {}, body });
  problems.push(...(await checkConsistency(call, cluster, tracked)));
  return { problems, requests, elapsedMs, statuses };
}
