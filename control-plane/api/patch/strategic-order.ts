// Element order after a strategic merge of a list. Elements named by the patch (or by its
// `$setElementOrder/<list>` directive) come in the patch's order; elements only the server has keep
// their place relative to the others, as kube-apiserver orders them: walking both runs, a
// server-only element goes first only when both it and the patch element were in the original list
// and it was before the patch element there. kubectl relies on this to keep `kubectl apply` from
// shuffling containers that other writers added.

import { badRequest } from "../errors.ts";
import { deepEqual, isRecord } from "./json.ts";

/** The identity of a list element: its merge key's value, or the element itself for scalars. */
export type Identity = (item: unknown) => unknown;

export function identityFor(mergeKey: string | undefined): Identity {
  return mergeKey ? (item) => (isRecord(item) ? item[mergeKey] : undefined) : (item) => item;
}

function indexIn(list: readonly unknown[], item: unknown, id: Identity): number {
  const wanted = id(item);
  return list.findIndex((candidate) => deepEqual(id(candidate), wanted));
}

/**
 * Orders `merged`: elements whose identity appears in `patchOrder` are placed in that order, the
 * rest (server-only) keep the relative order they had in `original`, interleaved as upstream does.
 */
export function orderMerged(
  merged: readonly unknown[],
  patchOrder: readonly unknown[],
  original: readonly unknown[],
  id: Identity,
): unknown[] {
  const inPatch = (item: unknown) => indexIn(patchOrder, item, id) >= 0;
  const patchItems = merged.filter(inPatch);
  const serverOnly = merged.filter((item) => !inPatch(item));
  patchItems.sort((a, b) => indexIn(patchOrder, a, id) - indexIn(patchOrder, b, id));
  // Server-only elements go first only when both are in the original and the server's was first.
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < patchItems.length) {
    if (i >= serverOnly.length) out.push(patchItems[j++]);
    else if (j >= patchItems.length) out.push(serverOnly[i++]);
    else {
      const left = indexIn(original, serverOnly[i], id);
      const right = indexIn(original, patchItems[j], id);
      if (left >= 0 && right >= 0 && left < right) out.push(serverOnly[i++]);
      else out.push(patchItems[j++]);
    }
  }
  return out;
}

/**
 * A `$setElementOrder` list must name the patch's elements in the patch's order (it may name more):
 * kube-apiserver rejects a patch that contradicts its own order directive.
 */
export function checkSetElementOrder(patchItems: readonly unknown[], order: readonly unknown[], id: Identity): void {
  let p = 0;
  for (const entry of order) {
    if (p < patchItems.length && deepEqual(id(patchItems[p]), id(entry))) p++;
  }
  if (p < patchItems.length) throw badRequest("invalid patch format of setElementOrder list");
}
