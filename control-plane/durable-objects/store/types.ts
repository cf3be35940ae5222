// The store's typed RPC surface: what the Worker (and later the controller host) asks of it.
// Refusals are results, not exceptions: errors lose their class and fields crossing RPC.

import type { AgentFrame } from "../../../schemas/agent/protocol.ts";
import type { KubeObject, ListMeta } from "../../../schemas/object.ts";
import type { PolicyRule } from "../../../schemas/rbac/role.ts";
import type { Status } from "../../api/errors.ts";
import type { EscalationResult } from "../../api/rbac/escalation.ts";
import type { Decision, RequestAttributes, UserInfo } from "../../api/rbac/types.ts";
import type { EdgeTable } from "../../ingress/edge-table.ts";
import type { Assignment } from "./node-access.ts";
import type { IssuedToken, ServiceAccountIdentity, TokenIssue } from "./service-account-tokens.ts";

/** Who a cluster-scoped credential is: a node, or a service account (through a live token). */
export type CredentialIdentity = { node: string } | { serviceAccount: ServiceAccountIdentity };

export type StoreResult<T> = { ok: true; value: T } | { ok: false; status: Status };

/** Which resource (schemas/registry.ts) an operation is about. */
export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
}

export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** The subresource the write came through: `status` writes keep spec, main writes keep status. */
  subresource?: "status" | "scale";
  /** The field manager the write is attributed to in managedFields (none for the store's own writes). */
  manager?: string;
  /** Server-side apply already computed managedFields; the store keeps them as they are. */
  applied?: boolean;
}

export interface DeleteOptions {
  dryRun?: boolean;
  gracePeriodSeconds?: number;
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  preconditions?: Preconditions;
}

export interface DeleteResult {
  /** The object as it was deleted (its deletion revision), or as marked when it stays (finalizers, grace). */
  object: KubeObject;
  /** True when the object is gone; false when it was only marked for deletion. */
  deleted: boolean;
}

export type ResourceVersionMatch = "NotOlderThan" | "Exact";

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: ResourceVersionMatch;
}

export interface ListResult {
  items: KubeObject[];
  metadata: ListMeta;
}

export type WatchFormat = "json" | "table";

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  resourceVersionMatch?: ResourceVersionMatch;
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
  /** How each event's object is written: the object itself, or a one-row Table (kubectl get -w). */
  format: WatchFormat;
  includeObject?: "None" | "Metadata" | "Object";
}

export interface DeleteCollectionOptions extends DeleteOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * The store's RPC methods as callers see them. ClusterStore implements this interface; callers
 * hold a stub typed as it (see storeClient), because Workers' RPC type mapping cannot express
 * objects with `unknown`-valued fields, which every Kubernetes object has.
 */
export interface StoreRpc {
  get(ref: ResourceRef, namespace: string, name: string): Promise<StoreResult<KubeObject>>;
  list(ref: ResourceRef, opts: ListOptions): Promise<StoreResult<ListResult>>;
  create(ref: ResourceRef, obj: KubeObject, opts?: WriteOptions): Promise<StoreResult<KubeObject>>;
  /** create, from the object's JSON and answered with the created object's JSON (the HTTP path). */
  createJson(ref: ResourceRef, json: string, opts?: WriteOptions): Promise<StoreResult<string>>;
  update(ref: ResourceRef, obj: KubeObject, opts?: WriteOptions): Promise<StoreResult<KubeObject>>;
  bind(
    ref: ResourceRef,
    namespace: string,
    name: string,
    nodeName: string,
    opts?: WriteOptions & { uid?: string },
  ): Promise<StoreResult<KubeObject>>;
  delete(ref: ResourceRef, namespace: string, name: string, opts?: DeleteOptions): Promise<StoreResult<DeleteResult>>;
  deleteCollection(ref: ResourceRef, opts: DeleteCollectionOptions): Promise<StoreResult<KubeObject[]>>;
  watch(ref: ResourceRef, opts: WatchOptions): Promise<StoreResult<ReadableStream<Uint8Array>>>;
  revision(): Promise<number>;
  destroy(): Promise<void>;
  credentialIdentity(hash: string, audience: string): Promise<CredentialIdentity | undefined>;
  issueServiceAccountToken(request: Omit<TokenIssue, "now">): Promise<StoreResult<IssuedToken>>;
  clusterCa(): Promise<string>;
  authorize(user: UserInfo, attrs: RequestAttributes): Promise<Decision>;
  /** Every RBAC rule that applies to the user in the namespace (SelfSubjectRulesReview). */
  rulesFor(user: UserInfo, namespace: string): Promise<PolicyRule[]>;
  confirmRbacWrite(user: UserInfo, object: KubeObject): Promise<EscalationResult>;
  nodeServingCert(node: string, publicKeyPem: string): Promise<StoreResult<{ certPem: string; caPem: string }>>;
  joinNode(input: {
    tokenId: string;
    secretHash: string;
    nodeName: string;
    credentialHash: string;
  }): Promise<StoreResult<null>>;
  nodeAssignment(node: string): Promise<StoreResult<Assignment>>;
  nodeMayRead(node: string, ref: ResourceRef, namespace: string, name: string): Promise<boolean>;
  nodeReport(node: string, frame: AgentFrame): Promise<StoreResult<null>>;
  renewNodeLease(node: string, durationSeconds: number): Promise<StoreResult<null>>;
  edgeTable(): Promise<StoreResult<EdgeTable>>;
}
