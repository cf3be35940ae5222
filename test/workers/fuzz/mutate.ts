// Random JSON values and structural mutations of valid objects: what a confused or hostile client
// sends. Mutations work on a copy and return it; the seeds are never changed.

import type { Rng } from "./prng.ts";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const NUMBERS = [
  0,
  -0,
  -1,
  1,
  -2147483649,
  2147483648,
  2 ** 53 + 2,
  -(2 ** 63),
  1e308,
  -1e308,
  5e-324,
  0.5,
  -3.25,
  65536,
  99999999999,
] as const;

/** Names that are not DNS-1123: upper case, dots in the wrong place, too long, unicode, empty. */
export function randomName(rng: Rng): string {
  return rng.weighted<() => string>([
    [3, () => `x${rng.fromAlphabet("abcdefghijklmnopqrstuvwxyz0123456789-", 1 + rng.int(12))}`],
    [2, () => rng.fromAlphabet("ABCabc-_.~!@#$%^&*() 0123", 1 + rng.int(20))],
    [1, () => "a".repeat(64 + rng.int(300))],
    [1, () => rng.unicode(1 + rng.int(10))],
    [1, () => rng.pick(["", ".", "..", "-", "a-", "-a", "a..b", "a/b", "a%2Fb", "\u0000", "default", "kubernetes"])],
  ])();
}

/** Label keys upstream refuses (and a few it accepts): prefixes, slashes, length, characters. */
export function randomLabelKey(rng: Rng): string {
  return rng.pick([
    "",
    "/",
    "a/",
    "/a",
    "a/b/c",
    "-a",
    "a-",
    "UPPER/x",
    "example.com/ok",
    `${"p".repeat(254)}/k`,
    `k${"k".repeat(63)}`,
    "sp ace",
    "ünïcode",
    rng.unicode(4),
    "app",
  ]);
}

export function randomString(rng: Rng): string {
  return rng.weighted<() => string>([
    [3, () => rng.fromAlphabet("abcdefghijklmnopqrstuvwxyz0123456789-.", rng.int(16))],
    [2, () => rng.unicode(rng.int(24))],
    [1, () => rng.pick(["", "null", "true", "1", "-1", "1e400", "0x10", "100m", "1Gi", "NaN", "%", "$(x)"])],
    [1, () => "x".repeat(1000 + rng.int(20000))],
    [1, () => randomName(rng)],
  ])();
}

export function randomScalar(rng: Rng): Json {
  return rng.weighted<() => Json>([
    [2, () => null],
    [1, () => rng.chance(0.5)],
    [3, () => rng.pick(NUMBERS)],
    [1, () => rng.int(10) - 5],
    [4, () => randomString(rng)],
  ])();
}

export function randomValue(rng: Rng, depth = 0): Json {
  if (depth > 3 || rng.chance(0.55)) return randomScalar(rng);
  if (rng.chance(0.5)) return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1));
  const out: { [k: string]: Json } = {};
  for (let i = rng.int(4); i > 0; i--)
    out[rng.chance(0.7) ? randomString(rng) : randomLabelKey(rng)] = randomValue(rng);
  return out;
}

/** A value nested `depth` levels deep: arrays, objects or both. */
export function deepNest(rng: Rng, depth: number): Json {
  let v: Json = randomScalar(rng);
  const style = rng.int(3);
  for (let i = 0; i < depth; i++) v = style === 0 || (style === 2 && i % 2 === 0) ? [v] : { a: v };
  return v;
}

/** Deep nesting as text: deeper than JSON.stringify (or a recursive parser) can go. */
export function deepNestText(rng: Rng, depth: number): string {
  const [open, close] = rng.pick([
    ["[", "]"],
    ['{"a":', "}"],
    ['{"metadata":', "}"],
    ['{"spec":{"a":[', "]}}"],
  ] as const);
  return `${open.repeat(depth)}${rng.chance(0.8) ? "1" : ""}${close.repeat(rng.chance(0.9) ? depth : depth - 1)}`;
}

type Path = (string | number)[];

/** Every path into a value (containers and leaves), so a mutation can land anywhere. */
function paths(value: Json, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) for (const [i, v] of value.entries()) paths(v, [...prefix, i], out);
  else if (value !== null && typeof value === "object")
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  return out;
}

function getAt(root: Json, path: Path): Json | undefined {
  let v: Json | undefined = root;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = Array.isArray(v) ? v[seg as number] : v[seg as string];
  }
  return v;
}

function setAt(root: Json, path: Path, value: Json | undefined): Json {
  if (path.length === 0) return value ?? null;
  const parent = getAt(root, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (Array.isArray(parent) && typeof last === "number") {
    if (value === undefined) parent.splice(last, 1);
    else parent[last] = value;
  } else if (parent !== null && typeof parent === "object" && !Array.isArray(parent)) {
    if (value === undefined) delete parent[last as string];
    else parent[last as string] = value;
  }
  return root;
}

/** The same value as another JSON type: "3" for 3, [x] for x, {"0": ...} for an array. */
function flipType(rng: Rng, v: Json): Json {
  if (typeof v === "number") return rng.chance(0.5) ? String(v) : [v];
  if (typeof v === "string") return rng.chance(0.5) ? Number(v) || v.length : { [v]: v };
  if (typeof v === "boolean") return rng.chance(0.5) ? String(v) : Number(v);
  if (Array.isArray(v)) return rng.chance(0.5) ? Object.fromEntries(v.map((x, i) => [String(i), x])) : v.length;
  if (v !== null && typeof v === "object") return rng.chance(0.5) ? Object.values(v) : JSON.stringify(v);
  return rng.chance(0.5) ? {} : [];
}

/** Applies one random edit somewhere in `root` (a copy is made by the caller). */
export function mutateOnce(rng: Rng, root: Json): Json {
  const all = paths(root);
  const path = rng.pick(all);
  const here = getAt(root, path);
  const op = rng.int(11);
  switch (op) {
    case 0:
      return setAt(root, path, undefined);
    case 1:
      return setAt(root, path, flipType(rng, here ?? null));
    case 2:
      return setAt(root, path, randomValue(rng));
    case 3:
      return setAt(root, path, null);
    case 4: {
      // Duplicate: an array element twice, or the value under another key beside it.
      const parent = getAt(root, path.slice(0, -1));
      if (Array.isArray(parent) && here !== undefined) parent.push(structuredClone(here));
      else if (parent && typeof parent === "object" && here !== undefined)
        (parent as { [k: string]: Json })[`${String(path[path.length - 1])}${rng.int(3)}`] = structuredClone(here);
      return root;
    }
    case 5:
      return setAt(root, path, deepNest(rng, 20 + rng.int(400)));
    case 6:
      return setAt(root, path, rng.pick([2 ** 64, -(2 ** 64), 1e300, -1, -2147483648, 4294967296, 0.1]));
    case 7:
      return setAt(root, path, [here ?? null]);
    case 8: {
      const meta = getAt(root, ["metadata"]);
      if (meta && typeof meta === "object" && !Array.isArray(meta)) {
        const found = meta.labels;
        const labels = found && typeof found === "object" && !Array.isArray(found) ? found : {};
        labels[randomLabelKey(rng)] = rng.chance(0.7) ? randomString(rng) : randomScalar(rng);
        meta.labels = labels;
      }
      return root;
    }
    case 9: {
      const meta = getAt(root, ["metadata"]);
      if (meta && typeof meta === "object" && !Array.isArray(meta)) meta.name = randomName(rng);
      return root;
    }
    default:
      if (here !== null && typeof here === "object" && !Array.isArray(here)) {
        here[rng.chance(0.5) ? randomString(rng) : "status"] = randomValue(rng);
        return root;
      }
      return setAt(root, path, randomString(rng));
  }
}

export function mutate(rng: Rng, seed: Json, edits = 1 + rng.int(4)): Json {
  let out = structuredClone(seed);
  for (let i = 0; i < edits; i++) out = mutateOnce(rng, out);
  return out;
}

/** Byte-level edits of a serialised body: truncation, flipped bytes, inserted junk, spliced tokens. */
export function mutateText(rng: Rng, text: string): string {
  const at = rng.int(text.length + 1);
  return rng.weighted<() => string>([
    [2, () => text.slice(0, at)],
    [
      2,
      () =>
        text.slice(0, at) +
        rng.pick(["{", "}", "[", "]", ",", ":", '"', "\\", "\u0000", "1e400", "-"]) +
        text.slice(at),
    ],
    [1, () => text.slice(0, at) + rng.unicode(3) + text.slice(at)],
    [1, () => text.replace(/"name":/, '"name":"dup","name":')],
    [1, () => text.replace(/\d+/, rng.pick(["1e400", "-1e400", "99999999999999999999999", "0x1F", "01", "-0"]))],
    [1, () => `${text}${text}`],
    [1, () => text.replace(/:/g, rng.chance(0.5) ? "=" : ": ")],
  ])();
}
