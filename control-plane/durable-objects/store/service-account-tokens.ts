// Service-account tokens (TokenRequest), held by the store as SHA-256 hashes. Issuing checks what
// upstream's TokenRequest checks (the ServiceAccount exists; a bound pod exists, has the uid the
// request names and runs as that ServiceAccount) plus, for a node asking for its pods, that the pod
// is bound to that node. A token stops authenticating when it expires, when its ServiceAccount is
// deleted (or recreated: the uid differs), or when its pod is; that is what makes a projected
// token safe to leave in a pod's volume.

import { eq, lt } from "drizzle-orm";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import type { KubeObject } from "../../../schemas/object.ts";
import { resourceFor, storageResource } from "../../../schemas/registry.ts";
import { ApiError, badRequest, forbidden, notFound } from "../../api/errors.ts";
import type { StoreCore } from "./store-core.ts";
import { serviceAccountTokens } from "./tables.ts";

const SERVICE_ACCOUNTS = storageResource(resourceFor("", "v1", "serviceaccounts")!);
const PODS = storageResource(resourceFor("", "v1", "pods")!);

export interface TokenIssue {
  namespace: string;
  serviceAccount: string;
  /** SHA-256 of the token the Worker generated. */
  hash: string;
  expiresAt: number;
  audiences: string[];
  boundPod?: { name: string; uid?: string };
  /** Set when a node asks: the bound pod must be one of its own. */
  node?: string;
  now: number;
}

export interface IssuedToken {
  serviceAccountUid: string;
  boundPodUid?: string;
}

export interface ServiceAccountIdentity {
  namespace: string;
  name: string;
  uid: string;
  /** The pod the token is bound to, when it is. */
  pod?: { name: string; uid: string };
}

export class ServiceAccountTokens {
  private readonly core: StoreCore;
  private readonly db: DrizzleSqliteDODatabase;

  constructor(core: StoreCore, db: DrizzleSqliteDODatabase) {
    this.core = core;
    this.db = db;
  }

  private object(resource: string, namespace: string, name: string): KubeObject | undefined {
    return this.core.log.get(resource, namespace, name)?.value;
  }

  issue(r: TokenIssue): IssuedToken {
    const sa = this.object(SERVICE_ACCOUNTS, r.namespace, r.serviceAccount);
    if (!sa) throw notFound("serviceaccounts", r.serviceAccount);
    let pod: KubeObject | undefined;
    if (r.boundPod) {
      pod = this.object(PODS, r.namespace, r.boundPod.name);
      if (!pod) throw notFound("pods", r.boundPod.name);
      if (r.boundPod.uid && r.boundPod.uid !== pod.metadata.uid) {
        throw new ApiError(
          409,
          "Conflict",
          `Operation cannot be fulfilled on Pod "${r.boundPod.name}": the UID in the bound object reference (${r.boundPod.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
        );
      }
      const spec = (pod.spec ?? {}) as { serviceAccountName?: string; nodeName?: string };
      if ((spec.serviceAccountName || "default") !== r.serviceAccount) {
        throw badRequest(
          `cannot bind token for serviceaccount "${r.serviceAccount}" to pod running with different serviceaccount name.`,
        );
      }
      if (r.node !== undefined && spec.nodeName !== r.node) {
        throw forbidden(
          `serviceaccounts "${r.serviceAccount}" is forbidden: User "system:node:${r.node}" cannot create resource "serviceaccounts/token" in API group "" in the namespace "${r.namespace}": no relationship found between node '${r.node}' and this object`,
        );
      }
    } else if (r.node !== undefined) {
      throw forbidden(
        `serviceaccounts "${r.serviceAccount}" is forbidden: User "system:node:${r.node}" cannot create resource "serviceaccounts/token" in API group "" in the namespace "${r.namespace}": node requested token not bound to a pod`,
      );
    }
    // Expired tokens are dropped as new ones are made: the table holds only live tokens and those
    // of pods deleted within one token lifetime.
    this.db.delete(serviceAccountTokens).where(lt(serviceAccountTokens.expiresAt, r.now)).run();
    const saUid = sa.metadata.uid ?? "";
    const podUid = pod?.metadata.uid ?? "";
    this.db
      .insert(serviceAccountTokens)
      .values({
        hash: r.hash,
        namespace: r.namespace,
        serviceAccount: r.serviceAccount,
        serviceAccountUid: saUid,
        pod: pod?.metadata.name ?? "",
        podUid,
        audiences: JSON.stringify(r.audiences),
        expiresAt: r.expiresAt,
        createdAt: r.now,
      })
      .run();
    return { serviceAccountUid: saUid, ...(pod ? { boundPodUid: podUid } : {}) };
  }

  /** Who a token is, if it is a live token for `audience`. */
  identify(hash: string, audience: string, now: number): ServiceAccountIdentity | undefined {
    const row = this.db.select().from(serviceAccountTokens).where(eq(serviceAccountTokens.hash, hash)).get();
    if (!row || row.expiresAt <= now) return undefined;
    if (!(JSON.parse(row.audiences) as string[]).includes(audience)) return undefined;
    const sa = this.object(SERVICE_ACCOUNTS, row.namespace, row.serviceAccount);
    if (!sa || sa.metadata.uid !== row.serviceAccountUid) return undefined;
    const identity: ServiceAccountIdentity = {
      namespace: row.namespace,
      name: row.serviceAccount,
      uid: row.serviceAccountUid,
    };
    if (row.pod) {
      const pod = this.object(PODS, row.namespace, row.pod);
      if (!pod || pod.metadata.uid !== row.podUid) return undefined;
      identity.pod = { name: row.pod, uid: row.podUid };
    }
    return identity;
  }
}
