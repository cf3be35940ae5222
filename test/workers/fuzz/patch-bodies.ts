// PATCH bodies with teeth: JSON patch operations on odd pointers, and strategic merge directives
// ($patch, $retainKeys, $setElementOrder, $deleteFromPrimitiveList) with wrong types.

import { type Json, randomValue } from "./mutate.ts";
import type { Rng } from "./prng.ts";

const POINTERS = [
  "",
  "/",
  "/metadata",
  "/metadata/labels/a~1b",
  "/metadata/name",
  "/spec",
  "/spec/replicas",
  "/spec/containers/-",
  "/spec/template/spec/containers/0/image",
  "/data/x",
  "/~2",
  "/status",
  "/metadata/labels/-",
  "/__proto__/x",
  "/kind",
  "/apiVersion",
];

export function jsonPatchBody(rng: Rng): Json {
  if (rng.chance(0.1)) return randomValue(rng);
  return Array.from({ length: rng.int(4) }, () => {
    const op: { [k: string]: Json } = {
      op: rng.pick(["add", "remove", "replace", "move", "copy", "test", "bogus", ""]),
      path: rng.chance(0.9) ? rng.pick(POINTERS) : randomValue(rng),
    };
    if (rng.chance(0.8)) op.value = randomValue(rng);
    if (rng.chance(0.3)) op.from = rng.pick(POINTERS);
    return op;
  });
}

export function strategicDirectives(rng: Rng, obj: Json): Json {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return obj;
  const d = rng.int(5);
  if (d === 0) obj.$patch = rng.pick(["replace", "delete", "merge", "bogus", 1]);
  if (d === 1) obj.$retainKeys = rng.chance(0.5) ? ["metadata", "spec"] : randomValue(rng);
  if (d === 2) obj["$setElementOrder/containers"] = rng.chance(0.5) ? [{ name: "web" }] : randomValue(rng);
  if (d === 3) obj["$deleteFromPrimitiveList/finalizers"] = randomValue(rng);
  if (d === 4 && obj.spec && typeof obj.spec === "object" && !Array.isArray(obj.spec))
    obj.spec.containers = [{ name: "web", $patch: rng.pick(["delete", "replace", "x"]) }, randomValue(rng)];
  return obj;
}
