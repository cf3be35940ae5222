// The Node strategy: taints, pod CIDRs and the update rules that keep an assigned podCIDR and
// providerID. Allocatable defaults to capacity, as upstream defaults NodeStatus.

import { type Node, nodeSchema } from "../../../schemas/core/node.ts";
import { isCIDR, isQualifiedName, isValidLabelValue } from "../../../schemas/validation/names.ts";
import type { StatusCause } from "../errors.ts";
import { defineStrategy, resourceOf } from "./base.ts";
import { child, forbidden, index, invalid, invalidEach, notSupported, required } from "./field.ts";

const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

export function applyNodeDefaults(node: Node): void {
  node.spec ??= {};
  const spec = node.spec;
  // podCIDR and podCIDRs[0] name the same range.
  if (spec.podCIDR && !spec.podCIDRs?.length) spec.podCIDRs = [spec.podCIDR];
  if (!spec.podCIDR && spec.podCIDRs?.[0]) spec.podCIDR = spec.podCIDRs[0];
  const status = node.status;
  if (status?.capacity && !status.allocatable) status.allocatable = { ...status.capacity };
}

export function validateNode(node: Node): StatusCause[] {
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  (node.spec?.taints ?? []).forEach((t, i) => {
    const p = index("spec.taints", i);
    causes.push(...invalidEach(child(p, "key"), t.key ?? "", isQualifiedName(t.key ?? "")));
    if (t.value) causes.push(...invalidEach(child(p, "value"), t.value, isValidLabelValue(t.value)));
    if (!t.effect) causes.push(required(child(p, "effect")));
    else if (!TAINT_EFFECTS.includes(t.effect)) causes.push(notSupported(child(p, "effect"), t.effect, TAINT_EFFECTS));
    const pair = `${t.key}\u0000${t.effect}`;
    if (seen.has(pair)) causes.push(invalid(p, t, "taints must be unique by key and effect pair"));
    seen.add(pair);
  });
  (node.spec?.podCIDRs ?? []).forEach((cidr, i) => {
    if (!isCIDR(cidr))
      causes.push(
        invalid(index("spec.podCIDRs", i), cidr, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"),
      );
  });
  return causes;
}

export function validateNodeUpdate(node: Node, old: Node): StatusCause[] {
  const causes: StatusCause[] = [];
  const prev = old.spec?.podCIDRs ?? [];
  const next = node.spec?.podCIDRs ?? [];
  if (prev.length > 0 && (prev.length !== next.length || prev.some((c, i) => c !== next[i]))) {
    causes.push(forbidden("spec.podCIDRs", 'node updates may not change podCIDR except from "" to valid'));
  }
  const providerID = old.spec?.providerID;
  if (providerID && node.spec?.providerID !== providerID) {
    causes.push(forbidden("spec.providerID", 'node updates may not change providerID except from "" to valid'));
  }
  return causes;
}

export const nodeStrategy = defineStrategy<Node>({
  resource: resourceOf("v1", "Node"),
  schema: nodeSchema,
  hasStatus: true,
  tracksGeneration: false,
  applyDefaults: applyNodeDefaults,
  validate: validateNode,
  validateUpdate: validateNodeUpdate,
});
