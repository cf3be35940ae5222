// The fuzzer's requests: mutated objects posted, put and patched in every dialect, random bytes as
// JSON/YAML/protobuf, random methods on random paths, lists and bounded watches with garbage
// queries, deletes with garbage options. Each request may carry what to record about its answer.

import { stringify as toYaml } from "yaml";
import { deepNestText, type Json, mutate, mutateText, randomValue } from "./mutate.ts";
import { jsonPatchBody, strategicDirectives } from "./patch-bodies.ts";
import { randomPath, randomQuery } from "./paths.ts";
import type { Rng } from "./prng.ts";
import { SEEDS, type Seed } from "./seeds.ts";

export interface FuzzRequest {
  kind: string;
  method: string;
  /** Path and query under the cluster prefix. */
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array | string;
  /** A create of a unique, never reused name: what must (not) exist afterwards. */
  create?: { objectPath: string; dryRun: boolean; kind: string; name: string };
}

/** What the run learned so far: namespaces and objects that exist, to aim later requests at. */
export interface FuzzState {
  namespaces: string[];
  /** Object paths (collection/name) created by the fuzzer, per seed kind. */
  objects: Map<string, string[]>;
  seq: number;
}

const JSON_TYPE = "application/json";
const YAML_TYPE = "application/yaml";
const PROTOBUF = "application/vnd.kubernetes.protobuf";
const PATCH_TYPES = [
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/apply-patch+yaml",
] as const;
const ODD_TYPES = [
  "text/plain",
  "",
  "application/xml",
  "application/json; charset=utf-16",
  "*/*",
  "multipart/form-data",
];
const ACCEPTS = [
  "application/json",
  "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
  "application/vnd.kubernetes.protobuf,application/json",
  "application/json;as=Table;v=v1;g=meta.k8s.io;includeObject=Object",
  "text/html",
];

function collectionOf(seed: Seed, namespace: string): string {
  return seed.collection.replace("NS", namespace);
}

function encodeObject(rng: Rng, obj: Json): { type: string; body: string } {
  return rng.weighted<() => { type: string; body: string }>([
    [6, () => ({ type: JSON_TYPE, body: JSON.stringify(obj) })],
    [2, () => ({ type: YAML_TYPE, body: toYaml(obj) })],
    [1, () => ({ type: rng.pick([JSON_TYPE, YAML_TYPE]), body: mutateText(rng, JSON.stringify(obj)) })],
  ])();
}

function headers(rng: Rng, contentType?: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (contentType !== undefined) out["content-type"] = contentType;
  if (rng.chance(0.3)) out.accept = rng.pick(ACCEPTS);
  if (rng.chance(0.1)) out["user-agent"] = rng.unicode(8).replace(/[^\x20-\x7e]/g, "?");
  return out;
}

function withName(obj: Json, name: string): Json {
  if (obj !== null && typeof obj === "object" && !Array.isArray(obj)) {
    const meta = obj.metadata;
    if (meta !== null && typeof meta === "object" && !Array.isArray(meta)) meta.name = name;
    else if (meta === undefined) obj.metadata = { name };
  }
  return obj;
}

function nameOf(obj: Json): string | undefined {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return undefined;
  const meta = obj.metadata;
  if (meta === null || typeof meta !== "object" || Array.isArray(meta)) return undefined;
  return typeof meta.name === "string" && !meta.generateName ? meta.name : undefined;
}

function knownObject(rng: Rng, state: FuzzState, seed: Seed): string | undefined {
  const list = state.objects.get(seed.kind) ?? [];
  return list.length > 0 ? rng.pick(list) : undefined;
}

/** POST of a mutated seed; most get a unique name so the outcome can be checked afterwards. */
function create(rng: Rng, state: FuzzState): FuzzRequest {
  const seed = rng.pick(SEEDS);
  const namespace = rng.chance(0.9) ? rng.pick(state.namespaces) : "missing-ns";
  let obj = rng.chance(0.15) ? structuredClone(seed.object) : mutate(rng, seed.object);
  if (rng.chance(0.8)) obj = withName(obj, `fzc${++state.seq}`);
  const name = nameOf(obj);
  const dryRun = rng.chance(0.1);
  const query = `?${dryRun ? "dryRun=All&" : ""}fieldManager=fuzz${rng.chance(0.3) ? `&fieldValidation=${rng.pick(["Strict", "Warn", "Ignore"])}` : ""}`;
  const collection = collectionOf(seed, namespace);
  const protobuf = rng.chance(0.08);
  const { type, body } = protobuf ? { type: PROTOBUF, body: "" } : encodeObject(rng, obj);
  return {
    kind: `create ${seed.kind}`,
    method: "POST",
    path: collection + query,
    headers: headers(rng, type),
    body: protobuf ? mutatedProtobuf(rng, seed) : body,
    create:
      name?.startsWith("fzc") && !protobuf
        ? { objectPath: `${collection}/${name}`, dryRun, kind: seed.kind, name }
        : undefined,
  };
}

/** A valid envelope whose payload (or, rarely, envelope) has a few bytes changed. */
function mutatedProtobuf(rng: Rng, seed: Seed): Uint8Array {
  const bytes = Uint8Array.from(seed.protobuf);
  const start = rng.chance(0.9) ? Math.min(24, bytes.length) : 4;
  for (let edits = 1 + rng.int(3); edits > 0; edits--) bytes[start + rng.int(bytes.length - start)] = rng.int(256);
  if (rng.chance(0.2)) return bytes.slice(0, start + rng.int(bytes.length - start));
  return bytes;
}

/** PUT of a mutated seed to an object (or its status), with missing, stale or garbage resourceVersions. */
function replace(rng: Rng, state: FuzzState): FuzzRequest {
  const seed = rng.pick(SEEDS);
  const target = knownObject(rng, state, seed) ?? `${collectionOf(seed, "default")}/web-app`;
  const name = target.slice(target.lastIndexOf("/") + 1);
  let obj = withName(rng.chance(0.2) ? structuredClone(seed.object) : mutate(rng, seed.object, rng.int(3)), name);
  if (obj !== null && typeof obj === "object" && !Array.isArray(obj)) {
    const meta = obj.metadata;
    if (meta !== null && typeof meta === "object" && !Array.isArray(meta) && rng.chance(0.6))
      meta.resourceVersion = rng.pick(["1", "2", "0", "abc", "-1", String(rng.int(400))]);
  }
  if (rng.chance(0.1)) obj = randomValue(rng);
  const { type, body } = encodeObject(rng, obj);
  const sub = rng.chance(0.2) ? "/status" : "";
  return {
    kind: `replace ${seed.kind}`,
    method: "PUT",
    path: `${target}${sub}${randomQuery(rng, rng.int(2))}`,
    headers: headers(rng, type),
    body,
  };
}

/** PATCH in each dialect (and some that are not), aimed at existing and missing objects. */
function patch(rng: Rng, state: FuzzState): FuzzRequest {
  const seed = rng.pick(SEEDS);
  const type = rng.chance(0.9) ? rng.pick(PATCH_TYPES) : rng.pick(ODD_TYPES);
  const existing = knownObject(rng, state, seed);
  let create: FuzzRequest["create"];
  let target = existing ?? `${collectionOf(seed, "default")}/web-app`;
  if (type === PATCH_TYPES[3] && rng.chance(0.4)) {
    const name = `fzc${++state.seq}`;
    target = `${collectionOf(seed, rng.pick(state.namespaces))}/${name}`;
    create = { objectPath: target, dryRun: false, kind: seed.kind, name };
  }
  const name = target.slice(target.lastIndexOf("/") + 1);
  let body: Json;
  if (type === PATCH_TYPES[0]) body = jsonPatchBody(rng);
  else if (type === PATCH_TYPES[3]) body = withName(mutate(rng, seed.object, rng.int(3)), name);
  else body = strategicDirectives(rng, mutate(rng, { metadata: { labels: { a: "b" } }, spec: {} }, 1 + rng.int(3)));
  const text = rng.chance(0.1)
    ? mutateText(rng, JSON.stringify(body))
    : type === PATCH_TYPES[3] && rng.chance(0.5)
      ? toYaml(body)
      : JSON.stringify(body);
  const sub = rng.chance(0.15) ? rng.pick(["/status", "/scale"]) : "";
  const manager = type === PATCH_TYPES[3] ? (rng.chance(0.9) ? "fieldManager=fuzz" : "") : "";
  const force = rng.chance(0.2) ? `force=${rng.pick(["true", "false", "x"])}` : "";
  const query = [manager, force].filter(Boolean).join("&");
  if (sub) create = undefined;
  return {
    kind: `patch ${type}`,
    method: "PATCH",
    path: `${target}${sub}${query ? `?${query}` : ""}`,
    headers: headers(rng, type),
    body: text,
    create,
  };
}

/** Bodies that are not objects at all: random bytes, truncations, deep nesting, oversize. */
function rawBody(rng: Rng, state: FuzzState): FuzzRequest {
  const seed = rng.pick(SEEDS);
  const type = rng.pick([JSON_TYPE, YAML_TYPE, PROTOBUF, ...PATCH_TYPES, ...ODD_TYPES]);
  const target = rng.chance(0.5)
    ? collectionOf(seed, rng.pick(state.namespaces))
    : (knownObject(rng, state, seed) ?? collectionOf(seed, "default"));
  const isCollection = !state.objects.get(seed.kind)?.includes(target);
  const method = isCollection ? rng.pick(["POST", "POST", "DELETE"]) : rng.pick(["PUT", "PATCH", "DELETE", "POST"]);
  const body = rng.weighted<() => Uint8Array | string>([
    [3, () => rng.bytes(rng.int(200))],
    [2, () => mutatedProtobuf(rng, seed)],
    [1, () => Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...rng.bytes(rng.int(64))])],
    [2, () => deepNestText(rng, rng.chance(0.5) ? 5000 + rng.int(200_000) : 100 + rng.int(9000))],
    [1, () => `${"[".repeat(1 + rng.int(300_000))}`],
    [1, () => `a: &a [${"*a,".repeat(rng.int(50))}]\nb: *a`],
    [1, () => `${"- ".repeat(1 + rng.int(5000))}x`],
    [2, () => mutateText(rng, JSON.stringify(seed.object))],
    [1, () => ""],
    [1, () => rng.unicode(rng.int(100))],
    // Over kube-apiserver's 3 MiB request limit.
    [0.2, () => `{"metadata":{"name":"big"},"data":{"k":"${"x".repeat(3 * 1024 * 1024)}"}}`],
  ])();
  return { kind: `raw ${method} ${type}`, method, path: target, headers: headers(rng, type), body };
}

/** Any method on any path, with a body sometimes. */
function randomRequest(rng: Rng, state: FuzzState): FuzzRequest {
  const names = [...state.objects.values()].flat().map((p) => p.slice(p.lastIndexOf("/") + 1));
  const method = rng.pick(["GET", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "PROPFIND"]);
  const path = randomPath(rng, state.namespaces, names) + randomQuery(rng);
  const withBody = method !== "GET" && method !== "HEAD" && rng.chance(0.7);
  const seed = rng.pick(SEEDS);
  const type = rng.pick([JSON_TYPE, YAML_TYPE, PROTOBUF, ...PATCH_TYPES]);
  const body = withBody
    ? type === PROTOBUF
      ? mutatedProtobuf(rng, seed)
      : JSON.stringify(mutate(rng, seed.object))
    : undefined;
  return { kind: `random ${method}`, method, path, headers: headers(rng, withBody ? type : undefined), body };
}

/** Lists and bounded watches with random queries, namespaced, across namespaces and cluster-scoped. */
function listOrWatch(rng: Rng, state: FuzzState): FuzzRequest {
  const seed = rng.pick(SEEDS);
  const collection =
    seed.namespaced && rng.chance(0.3)
      ? seed.collection.replace("/namespaces/NS", "")
      : collectionOf(seed, rng.pick(state.namespaces));
  const watch = rng.chance(0.15) ? `watch=true&timeoutSeconds=1&` : "";
  return {
    kind: "list",
    method: "GET",
    path: `${collection}?${watch}${randomQuery(rng, 1 + rng.int(3)).slice(1)}`,
    headers: headers(rng),
  };
}

/** DELETE of objects and collections with garbage DeleteOptions in the query and the body. */
function remove(rng: Rng, state: FuzzState): FuzzRequest {
  const seed = rng.pick(SEEDS.filter((s) => s.kind !== "Namespace" || rng.chance(0.2)));
  const collection = rng.chance(0.15);
  const target = collection
    ? collectionOf(seed, rng.pick(state.namespaces))
    : (knownObject(rng, state, seed) ?? `${collectionOf(seed, "default")}/nope`);
  const options = mutate(
    rng,
    {
      kind: "DeleteOptions",
      apiVersion: "v1",
      propagationPolicy: "Background",
      preconditions: { resourceVersion: "1" },
    },
    rng.int(3),
  );
  const body = rng.chance(0.5) ? JSON.stringify(options) : undefined;
  // Collections are deleted by a selector that matches little, so the run keeps objects to aim at.
  const query = collection
    ? `?labelSelector=${rng.pick(["app%3Dnone", "team%3Da", "a%3Db"])}`
    : randomQuery(rng, rng.int(2));
  return {
    kind: "delete",
    method: "DELETE",
    path: target + query,
    headers: headers(rng, body ? JSON_TYPE : undefined),
    body,
  };
}

export function nextRequest(rng: Rng, state: FuzzState): FuzzRequest {
  return rng.weighted<(r: Rng, s: FuzzState) => FuzzRequest>([
    [30, create],
    [10, replace],
    [16, patch],
    [12, rawBody],
    [18, randomRequest],
    [10, listOrWatch],
    [4, remove],
  ])(rng, state);
}
