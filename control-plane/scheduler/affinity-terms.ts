// Pod (anti-)affinity terms compiled once per pod: which namespaces and labels a term selects, and
// on which topology key. InterPodAffinity's filter and score both read these, for the pod being
// scheduled and for the pods already on nodes (whose anti-affinity must not be broken).

import type { PodAffinityTerm, WeightedPodAffinityTerm } from "../../schemas/core/affinity.ts";
import type { PodSpec } from "../../schemas/core/pod-spec.ts";
import type { LabelSelector, LabelSelectorRequirement } from "../../schemas/meta.ts";
import { compileLabelSelector, type LabelMatcher, type Labels, MATCH_EVERYTHING } from "./selectors.ts";

export interface AffinityTerm {
  readonly topologyKey: string;
  /** Whether a pod in this namespace is in the term's scope. */
  readonly namespace: (namespace: string) => boolean;
  readonly selector: LabelMatcher;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number;
}

export interface AffinityTerms {
  readonly requiredAffinity: readonly AffinityTerm[];
  readonly requiredAntiAffinity: readonly AffinityTerm[];
  readonly preferredAffinity: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinity: readonly WeightedAffinityTerm[];
}

/** Every namespace carries this label (the API server sets it), so it is the one namespace label a
 * namespaceSelector can be judged on without reading Namespaces; selectors on other namespace
 * labels see only it. */
const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

function namespaceScope(term: PodAffinityTerm, ownNamespace: string): (namespace: string) => boolean {
  const listed = new Set(term.namespaces ?? []);
  if (listed.size === 0 && term.namespaceSelector === undefined) return (ns) => ns === ownNamespace;
  const selector = term.namespaceSelector ? compileLabelSelector(term.namespaceSelector) : undefined;
  if (selector === MATCH_EVERYTHING) return () => true;
  return (ns) => listed.has(ns) || selector?.({ [NAMESPACE_NAME_LABEL]: ns }) === true;
}

/** matchLabelKeys / mismatchLabelKeys: the pod's own values for those keys join the selector (the
 * API server merges them at creation upstream; doing it here too keeps older objects right). */
function effectiveSelector(term: PodAffinityTerm, labels: Labels): LabelSelector | undefined {
  const extra: LabelSelectorRequirement[] = [];
  for (const key of term.matchLabelKeys ?? []) {
    const value = labels[key];
    if (value !== undefined) extra.push({ key, operator: "In", values: [value] });
  }
  for (const key of term.mismatchLabelKeys ?? []) {
    const value = labels[key];
    if (value !== undefined) extra.push({ key, operator: "NotIn", values: [value] });
  }
  if (extra.length === 0 || term.labelSelector === undefined) return term.labelSelector;
  return { ...term.labelSelector, matchExpressions: [...(term.labelSelector.matchExpressions ?? []), ...extra] };
}

function compileTerm(term: PodAffinityTerm, namespace: string, labels: Labels): AffinityTerm {
  return {
    topologyKey: term.topologyKey ?? "",
    namespace: namespaceScope(term, namespace),
    selector: compileLabelSelector(effectiveSelector(term, labels)),
  };
}

function compileWeighted(terms: readonly WeightedPodAffinityTerm[] | undefined, ns: string, labels: Labels) {
  return (terms ?? []).map((t) => ({ ...compileTerm(t.podAffinityTerm ?? {}, ns, labels), weight: t.weight ?? 0 }));
}

/** Undefined when the pod has no pod (anti-)affinity at all: the common case costs nothing. */
export function compileAffinityTerms(spec: PodSpec, namespace: string, labels: Labels): AffinityTerms | undefined {
  const affinity = spec.affinity?.podAffinity;
  const anti = spec.affinity?.podAntiAffinity;
  if (!affinity && !anti) return undefined;
  const terms: AffinityTerms = {
    requiredAffinity: (affinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) =>
      compileTerm(t, namespace, labels),
    ),
    requiredAntiAffinity: (anti?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) =>
      compileTerm(t, namespace, labels),
    ),
    preferredAffinity: compileWeighted(affinity?.preferredDuringSchedulingIgnoredDuringExecution, namespace, labels),
    preferredAntiAffinity: compileWeighted(anti?.preferredDuringSchedulingIgnoredDuringExecution, namespace, labels),
  };
  const empty =
    terms.requiredAffinity.length + terms.requiredAntiAffinity.length === 0 &&
    terms.preferredAffinity.length + terms.preferredAntiAffinity.length === 0;
  return empty ? undefined : terms;
}

/** Whether a pod is selected by a term: in its namespaces and matching its label selector. */
export function termMatches(term: AffinityTerm, pod: { namespace: string; labels: Labels }): boolean {
  return term.namespace(pod.namespace) && term.selector(pod.labels);
}
