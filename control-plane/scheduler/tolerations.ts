// Whether a pod's tolerations cover a node's taint, by upstream's rules: a toleration's effect and
// key, when set, must equal the taint's; "Exists" tolerates any value (with an empty key, any taint
// at all); "Equal" (or no operator) needs the same value.

import type { Toleration } from "../../schemas/core/common.ts";
import type { Taint } from "../../schemas/core/node.ts";

export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? "") {
    case "":
    case "Equal":
      return (toleration.value ?? "") === (taint.value ?? "");
    case "Exists":
      return true;
    default:
      return false;
  }
}

export function tolerationsTolerate(tolerations: readonly Toleration[], taint: Taint): boolean {
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** The first taint none of the tolerations covers, if any. */
export function firstUntolerated(taints: readonly Taint[], tolerations: readonly Toleration[]): Taint | undefined {
  for (const taint of taints) if (!tolerationsTolerate(tolerations, taint)) return taint;
  return undefined;
}
