// The store's SQLite tables (drizzle). Two views of one revisioned log, as kine keeps etcd's model:
// `objects` is the current state (one row per key, what gets and lists read); `changes` is the log
// of every write by revision (what watches replay and what snapshot reads reconstruct), kept for a
// window of time and then compacted.

import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const objects = sqliteTable(
  "objects",
  {
    /** Storage resource: `pods`, `deployments.apps`, `events`... (schemas/registry.ts storageResource). */
    resource: text("resource").notNull(),
    /** "" for cluster-scoped objects. */
    namespace: text("namespace").notNull(),
    name: text("name").notNull(),
    /** The revision of the last write of this object: its resourceVersion. */
    rv: integer("rv").notNull(),
    /** spec.nodeName of pods, indexed so a node's assignments are one range read. */
    nodeName: text("node_name"),
    value: text("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.resource, t.namespace, t.name] }), index("objects_node").on(t.resource, t.nodeName)],
);

export const changes = sqliteTable(
  "changes",
  {
    rv: integer("rv").primaryKey(),
    resource: text("resource").notNull(),
    namespace: text("namespace").notNull(),
    name: text("name").notNull(),
    type: text("type", { enum: ["ADDED", "MODIFIED", "DELETED"] }).notNull(),
    /**
     * For DELETED: the object's last state, carrying the deletion's revision. For other changes ""
     * (since 2026-11-27): the object after the write is the current one in `objects`, or the next
     * change's `prev` (statements.ts changeValue), so it is stored once.
     */
    value: text("value").notNull(),
    /** The object before the write (null for ADDED): selectors on watches and snapshot reads need it. */
    prev: text("prev"),
    /** Wall-clock ms of the write: history is retained by time, as kube-apiserver compacts. */
    at: integer("at").notNull(),
  },
  (t) => [
    index("changes_resource").on(t.resource, t.rv),
    index("changes_at").on(t.at),
    // A snapshot read's page (a paginated list's continue) finds each key's first change after its
    // revision by walking this index in key order from where the page starts, not every change.
    index("changes_key").on(t.resource, t.namespace, t.name, t.rv),
  ],
);

/** Small named counters and settings: the current revision, the compacted revision. */
export const meta = sqliteTable("meta", {
  key: text("key").primaryKey(),
  value: integer("value").notNull(),
});

/** ClusterIPs (pool "cluster-ip") and NodePorts (pool "node-port") held by Services, so allocation is one lookup. */
export const allocations = sqliteTable(
  "allocations",
  {
    pool: text("pool").notNull(),
    value: text("value").notNull(),
    owner: text("owner").notNull(),
  },
  (t) => [primaryKey({ columns: [t.pool, t.value] })],
);

/**
 * Who owns what: one row per ownerReference, kept with every write, so the garbage collector
 * finds an owner's dependents with one indexed read instead of scanning every object.
 */
export const ownerRefs = sqliteTable(
  "owner_refs",
  {
    ownerUid: text("owner_uid").notNull(),
    resource: text("resource").notNull(),
    namespace: text("namespace").notNull(),
    name: text("name").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.ownerUid, t.resource, t.namespace, t.name] }),
    index("owner_refs_key").on(t.resource, t.namespace, t.name),
  ],
);

/**
 * The controller host's timers (minReadySeconds, progress deadlines, lease grace, evictions,
 * backoff, event expiry): one row per controller key, behind the object's single alarm.
 */
export const timers = sqliteTable(
  "timers",
  {
    controller: text("controller").notNull(),
    key: text("key").notNull(),
    due: integer("due").notNull(),
  },
  (t) => [primaryKey({ columns: [t.controller, t.key] }), index("timers_due").on(t.due)],
);

/**
 * Credentials scoped to this cluster, stored as SHA-256 hashes of the random tokens (never the
 * tokens): node credentials issued at join. Bootstrap (join) tokens are Secrets in kube-system,
 * whose secret half is stored hashed too.
 */
export const credentials = sqliteTable(
  "credentials",
  {
    hash: text("hash").primaryKey(),
    kind: text("kind", { enum: ["node"] }).notNull(),
    /** The node a node credential belongs to. */
    node: text("node").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("credentials_node").on(t.node)],
);

/**
 * Service-account tokens issued by TokenRequest, stored as SHA-256 hashes (never the tokens). A
 * token is valid until it expires, while its ServiceAccount (same uid) exists, and, when bound to a
 * pod, while that pod (same uid) exists; only tokens whose audiences include the API server's
 * authenticate to it.
 */
export const serviceAccountTokens = sqliteTable(
  "service_account_tokens",
  {
    hash: text("hash").primaryKey(),
    namespace: text("namespace").notNull(),
    serviceAccount: text("service_account").notNull(),
    serviceAccountUid: text("service_account_uid").notNull(),
    /** The pod the token is bound to ("" when unbound). */
    pod: text("pod").notNull(),
    podUid: text("pod_uid").notNull(),
    /** JSON array of the token's audiences. */
    audiences: text("audiences").notNull(),
    expiresAt: integer("expires_at").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("service_account_tokens_expiry").on(t.expiresAt)],
);

/** The cluster's own key material (PEM): its CA, which signs nodes' serving certificates for the `kubernetes` Service. */
export const clusterPki = sqliteTable("cluster_pki", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});
