// API discovery: aggregated discovery v2 on /api and /apis (what kubectl 1.35 and helm ask for
// first) and the legacy per-group documents older clients and `kubectl api-versions` read.
// Derived from the resource registry, so a new resource shows up everywhere at once.

import { apiVersionOf, RESOURCES, REVIEWS, type ResourceType, type Subresource } from "../../schemas/registry.ts";

export const AGGREGATED_CONTENT_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/** Groups served with no resources of their own (their kinds are subresources elsewhere). */
const EXTRA_GROUPS: Record<string, string> = { policy: "v1", autoscaling: "v1" };

const VERBS_ALL = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const VERBS_NAMESPACES = ["create", "delete", "get", "list", "patch", "update", "watch"];

interface Kind {
  group: string;
  version: string;
  kind: string;
}

const SUBRESOURCES: Record<Subresource, { kind: (r: ResourceType) => Kind; verbs: string[] }> = {
  status: { kind: (r) => ({ group: "", version: "", kind: r.kind }), verbs: ["get", "patch", "update"] },
  scale: { kind: () => ({ group: "autoscaling", version: "v1", kind: "Scale" }), verbs: ["get", "patch", "update"] },
  binding: { kind: () => ({ group: "", version: "", kind: "Binding" }), verbs: ["create"] },
  eviction: { kind: () => ({ group: "policy", version: "v1", kind: "Eviction" }), verbs: ["create"] },
  log: { kind: () => ({ group: "", version: "", kind: "Pod" }), verbs: ["get"] },
  exec: { kind: () => ({ group: "", version: "", kind: "PodExecOptions" }), verbs: ["create", "get"] },
  attach: { kind: () => ({ group: "", version: "", kind: "PodAttachOptions" }), verbs: ["create", "get"] },
  portforward: { kind: () => ({ group: "", version: "", kind: "PodPortForwardOptions" }), verbs: ["create", "get"] },
  token: { kind: () => ({ group: "authentication.k8s.io", version: "v1", kind: "TokenRequest" }), verbs: ["create"] },
};

function verbsOf(r: ResourceType): string[] {
  if (REVIEWS.includes(r)) return ["create"];
  return r.plural === "namespaces" ? VERBS_NAMESPACES : VERBS_ALL;
}

function groupVersions(): Map<string, Map<string, ResourceType[]>> {
  const groups = new Map<string, Map<string, ResourceType[]>>();
  for (const r of [...RESOURCES, ...REVIEWS]) {
    const versions = groups.get(r.group) ?? new Map<string, ResourceType[]>();
    versions.set(r.version, [...(versions.get(r.version) ?? []), r]);
    groups.set(r.group, versions);
  }
  for (const [g, v] of Object.entries(EXTRA_GROUPS)) if (!groups.has(g)) groups.set(g, new Map([[v, []]]));
  return groups;
}

const GROUPS = groupVersions();

function aggregatedResource(r: ResourceType) {
  const out: Record<string, unknown> = {
    resource: r.plural,
    responseKind: { group: "", version: "", kind: r.kind },
    scope: r.namespaced ? "Namespaced" : "Cluster",
    singularResource: r.singular,
    verbs: verbsOf(r),
  };
  if (r.shortNames.length) out.shortNames = r.shortNames;
  if (r.categories.length) out.categories = r.categories;
  if (r.subresources.length) {
    out.subresources = r.subresources.map((s) => ({
      subresource: s,
      responseKind: SUBRESOURCES[s].kind(r),
      verbs: SUBRESOURCES[s].verbs,
    }));
  }
  return out;
}

function aggregatedGroup(group: string) {
  const versions = GROUPS.get(group) ?? new Map();
  return {
    metadata: { name: group },
    versions: [...versions.entries()].map(([version, resources]) => ({
      version,
      resources: (resources as ResourceType[]).map(aggregatedResource),
      freshness: "Current",
    })),
  };
}

/** GET /api or /apis with the aggregated Accept: one APIGroupDiscoveryList. */
export function aggregatedDiscovery(core: boolean) {
  const names = core ? [""] : [...GROUPS.keys()].filter((g) => g !== "").sort();
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: "apidiscovery.k8s.io/v2",
    metadata: {},
    items: names.map(aggregatedGroup),
  };
}

/** Whether a request's Accept asks for aggregated discovery. */
export function wantsAggregated(accept: string | null): boolean {
  return !!accept && accept.includes("as=APIGroupDiscoveryList") && accept.includes("v=v2");
}

export function legacyApiVersions() {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "" }],
  };
}

export function legacyApiGroupList() {
  const groups = [...GROUPS.entries()]
    .filter(([g]) => g !== "")
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, versions]) => {
      const vs = [...versions.keys()].map((version) => ({ groupVersion: `${name}/${version}`, version }));
      return { name, versions: vs, preferredVersion: vs[0] };
    });
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

export function legacyApiGroup(group: string) {
  const versions = GROUPS.get(group);
  if (!versions) return undefined;
  const vs = [...versions.keys()].map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { kind: "APIGroup", apiVersion: "v1", name: group, versions: vs, preferredVersion: vs[0] };
}

/** GET /api/v1 or /apis/<group>/<version>: the APIResourceList of that group version. */
export function legacyResourceList(group: string, version: string) {
  const resources = GROUPS.get(group)?.get(version);
  if (!resources) return undefined;
  const list: Record<string, unknown>[] = [];
  for (const r of resources) {
    const entry: Record<string, unknown> = {
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: verbsOf(r),
    };
    if (r.shortNames.length) entry.shortNames = r.shortNames;
    if (r.categories.length) entry.categories = r.categories;
    list.push(entry);
    for (const s of r.subresources) {
      const k = SUBRESOURCES[s].kind(r);
      const sub: Record<string, unknown> = {
        name: `${r.plural}/${s}`,
        singularName: "",
        namespaced: r.namespaced,
        kind: k.kind,
        verbs: SUBRESOURCES[s].verbs,
      };
      if (k.group) {
        sub.group = k.group;
        sub.version = k.version;
      }
      list.push(sub);
    }
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: apiVersionOf({ group, version }), resources: list };
}

export function servedGroupVersions(): { group: string; version: string }[] {
  const out: { group: string; version: string }[] = [];
  for (const [group, versions] of GROUPS) for (const version of versions.keys()) out.push({ group, version });
  return out;
}
