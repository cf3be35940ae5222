// How the fields of each built-in kind merge: the facts kube-apiserver reads from the Go struct tags
// of k8s.io/api (`patchStrategy`/`patchMergeKey` for strategic merge patch; `listType`,
// `listMapKey`, `structType`/`mapType` for server-side apply). The two disagree in places (JobStatus
// conditions merge by type in SMP but are atomic in SSA; Service ports merge by `port` in SMP but are
// keyed by port+protocol in SSA), so both are recorded. Anything absent here has the defaults:
// maps and structs merge key by key, lists are replaced whole.

export interface FieldMeta {
  /** Struct fields that need more than the defaults (absent fields get the defaults). */
  fields?: Record<string, FieldMeta>;
  /** The element of a list, or the value of a map. */
  items?: FieldMeta;
  /** SMP: patchStrategy=merge on a list of objects, merged by this key. */
  mergeKey?: string;
  /** SMP: patchStrategy=merge on a list of scalars (a set, e.g. finalizers). */
  mergeSet?: boolean;
  /** SMP: patchStrategy=replace on a struct (PodDisruptionBudget's selector). */
  replace?: boolean;
  /** SSA list type; when absent: "map" with a mergeKey, "set" with mergeSet, else "atomic". */
  listType?: "map" | "set" | "atomic";
  /** SSA keys of a "map" list (default: [mergeKey]). */
  listMapKeys?: string[];
  /** SSA: values a missing key field takes (the schema default), e.g. protocol TCP. */
  keyDefaults?: Record<string, string>;
  /** SSA: a struct or map owned and replaced as one value (LabelSelector, nodeSelector). */
  atomic?: boolean;
}

const atomic: FieldMeta = { atomic: true };
const conditions: FieldMeta = { mergeKey: "type" };
const statusWithConditions: FieldMeta = { fields: { conditions } };
const labelSelector = atomic;

export const objectMetaMeta: FieldMeta = {
  fields: {
    ownerReferences: { mergeKey: "uid", items: atomic },
    finalizers: { mergeSet: true },
  },
};

const envVar: FieldMeta = {
  fields: {
    valueFrom: {
      fields: {
        fieldRef: atomic,
        resourceFieldRef: atomic,
        configMapKeyRef: atomic,
        secretKeyRef: atomic,
        fileKeyRef: atomic,
      },
    },
  },
};

const container: FieldMeta = {
  fields: {
    ports: { mergeKey: "containerPort", listMapKeys: ["containerPort", "protocol"], keyDefaults: { protocol: "TCP" } },
    env: { mergeKey: "name", items: envVar },
    volumeMounts: { mergeKey: "mountPath" },
    volumeDevices: { mergeKey: "devicePath" },
    resources: { fields: { claims: { listType: "map", listMapKeys: ["name"] } } },
  },
};

const podSpec: FieldMeta = {
  fields: {
    volumes: { mergeKey: "name" },
    initContainers: { mergeKey: "name", items: container },
    containers: { mergeKey: "name", items: container },
    ephemeralContainers: { mergeKey: "name", items: container },
    imagePullSecrets: { mergeKey: "name", items: atomic },
    hostAliases: { mergeKey: "ip" },
    topologySpreadConstraints: {
      mergeKey: "topologyKey",
      listMapKeys: ["topologyKey", "whenUnsatisfiable"],
    },
    schedulingGates: { mergeKey: "name" },
    resourceClaims: { mergeKey: "name" },
    nodeSelector: atomic,
    affinity: { fields: { nodeAffinity: { fields: { requiredDuringSchedulingIgnoredDuringExecution: atomic } } } },
  },
};

const podTemplateSpec: FieldMeta = { fields: { metadata: objectMetaMeta, spec: podSpec } };

/** Deployment, ReplicaSet, StatefulSet, DaemonSet: a selector, a pod template, conditions. */
const workload: Record<string, FieldMeta> = {
  spec: { fields: { selector: labelSelector, template: podTemplateSpec } },
  status: statusWithConditions,
};

const podStatus: FieldMeta = {
  fields: {
    conditions,
    podIPs: { mergeKey: "ip" },
    // SMP merges hostIPs by ip, SSA treats the list as atomic.
    hostIPs: { mergeKey: "ip", listType: "atomic" },
    resourceClaimStatuses: { mergeKey: "name" },
  },
};

const jobSpec: FieldMeta = { fields: { selector: labelSelector, template: podTemplateSpec } };

/** Root metadata by `group/Kind` (the core group is ""). */
const kinds: Record<string, Record<string, FieldMeta>> = {
  "/Pod": { spec: podSpec, status: podStatus },
  "/PodTemplate": { template: podTemplateSpec },
  "/ReplicationController": {
    spec: { fields: { selector: atomic, template: podTemplateSpec } },
    status: statusWithConditions,
  },
  "/Service": {
    spec: {
      fields: {
        ports: { mergeKey: "port", listMapKeys: ["port", "protocol"], keyDefaults: { protocol: "TCP" } },
        selector: atomic,
      },
    },
    status: statusWithConditions,
  },
  "/Node": {
    spec: { fields: { podCIDRs: { mergeSet: true } } },
    status: { fields: { conditions, addresses: { mergeKey: "type" } } },
  },
  "/Namespace": { status: statusWithConditions },
  "/ServiceAccount": { secrets: { mergeKey: "name", items: atomic } },
  "/PersistentVolumeClaim": { status: statusWithConditions },
  "/ComponentStatus": { conditions },
  "apps/Deployment": workload,
  "apps/ReplicaSet": workload,
  "apps/StatefulSet": workload,
  "apps/DaemonSet": workload,
  "batch/Job": {
    spec: jobSpec,
    status: {
      fields: {
        conditions: { mergeKey: "type", listType: "atomic" },
        uncountedTerminatedPods: { fields: { succeeded: { listType: "set" }, failed: { listType: "set" } } },
      },
    },
  },
  "batch/CronJob": { spec: { fields: { jobTemplate: { fields: { metadata: objectMetaMeta, spec: jobSpec } } } } },
  "policy/PodDisruptionBudget": {
    spec: { fields: { selector: { replace: true, atomic: true } } },
    status: statusWithConditions,
  },
  "autoscaling/HorizontalPodAutoscaler": { status: statusWithConditions },
  "networking.k8s.io/ServiceCIDR": { status: statusWithConditions },
  // Built-in kinds whose only merge-keyed fields are ObjectMeta's.
  "/Event": {},
  "events.k8s.io/Event": {},
  "/ConfigMap": {},
  "/Secret": {},
  "/Endpoints": {},
  "discovery.k8s.io/EndpointSlice": {},
  "coordination.k8s.io/Lease": {},
};

/** The group of an apiVersion: "apps/v1" -> "apps", "v1" -> "". */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/**
 * The merge metadata of a kind, or undefined for kinds not in the table (custom resources): those
 * still get ObjectMeta's rules through `genericMeta`, everything else merges by the defaults.
 */
export function patchMetaFor(apiVersion: string, kind: string): FieldMeta | undefined {
  const fields = kinds[`${groupOf(apiVersion)}/${kind}`];
  return fields ? { fields: { metadata: objectMetaMeta, ...fields } } : undefined;
}

/** What any object has: ObjectMeta's owner references and finalizers. */
export const genericMeta: FieldMeta = { fields: { metadata: objectMetaMeta } };

/** The metadata of a struct field or map value. */
export function childMeta(meta: FieldMeta | undefined, key: string): FieldMeta | undefined {
  if (!meta) return undefined;
  return meta.fields ? meta.fields[key] : meta.items;
}

/** SSA's view of a list: keyed map, set of scalars, or one atomic value. */
export function listTypeOf(meta: FieldMeta | undefined): "map" | "set" | "atomic" {
  if (meta?.listType) return meta.listType;
  if (meta?.mergeKey) return "map";
  if (meta?.mergeSet) return "set";
  return "atomic";
}

export function listKeysOf(meta: FieldMeta | undefined): string[] {
  if (meta?.listMapKeys) return meta.listMapKeys;
  return meta?.mergeKey ? [meta.mergeKey] : [];
}
