// JSON Merge Patch (RFC 7386, application/merge-patch+json): what `kubectl label`, `annotate` and
// `scale` send. An object in the patch merges into the target key by key, `null` deletes a key, and
// any other value (arrays included) replaces the target's value whole.

import type { KubeObject } from "../../../schemas/object.ts";
import { badRequest } from "../errors.ts";
import { clone, isRecord } from "./json.ts";

/** RFC 7386 MergePatch(target, patch), returning a new value; neither argument is mutated. */
export function mergePatchValue(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return clone(patch);
  const result: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatchValue(result[key], value);
  }
  return result;
}

/** Applies a merge patch body to `live`; a body that is not a JSON object is a 400, as upstream. */
export function applyMergePatch(live: KubeObject, body: unknown): KubeObject {
  if (!isRecord(body)) throw badRequest("Invalid JSON Patch");
  const result = mergePatchValue(clone(live), body);
  // A patch of {"metadata": null} would leave an object no store can key.
  if (!isRecord(result) || !isRecord(result.metadata)) {
    throw badRequest("the patched object has no metadata");
  }
  return result as KubeObject;
}
