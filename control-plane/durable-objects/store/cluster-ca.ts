// The cluster's CA, made on the store's first start and kept in its SQLite (as everything else of
// the cluster is). It signs each node's serving certificate for the `kubernetes` Service, whose
// private key never leaves the node (the agent sends only its public key), and is what pods trust
// through the kube-root-ca.crt ConfigMap.

import { eq } from "drizzle-orm";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import { badRequest } from "../../api/errors.ts";
import type { PemPair } from "../../pki/certificates.ts";
import { clusterPki } from "./tables.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_LIFETIME_MS = 3650 * DAY_MS;
/** Nodes ask for a fresh certificate on every session, so a year is plenty of margin. */
const SERVING_LIFETIME_MS = 365 * DAY_MS;

// The X.509 stack costs a noticeable part of a cold start and is needed only to make the CA (once
// per cluster) and to sign (once per node session): loaded on first use.
function certificates(): Promise<typeof import("../../pki/certificates.ts")> {
  return import("../../pki/certificates.ts");
}

/** The names in-cluster clients use for the API (the DNS names and the `kubernetes` ClusterIP). */
export function apiServiceNames(clusterIP: string): string[] {
  const names = ["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"];
  return clusterIP ? [...names, clusterIP] : names;
}

export async function loadOrCreateClusterCa(db: DrizzleSqliteDODatabase, cluster: string): Promise<PemPair> {
  const read = (key: string) => db.select().from(clusterPki).where(eq(clusterPki.key, key)).get()?.value;
  const certPem = read("ca.crt");
  const keyPem = read("ca.key");
  if (certPem && keyPem) return { certPem, keyPem };
  const { createCa } = await certificates();
  const ca = await createCa(`CN=kflare cluster CA (${cluster.replace(/[,+"\\<>;=]/g, "_")}), O=kflare`, CA_LIFETIME_MS);
  db.insert(clusterPki)
    .values([
      { key: "ca.crt", value: ca.certPem },
      { key: "ca.key", value: ca.keyPem },
    ])
    .onConflictDoNothing()
    .run();
  return ca;
}

/** Signs a node's serving certificate for the API Service names, for the public key it sent. */
export async function signApiServingCert(
  ca: PemPair,
  node: string,
  publicKeyPem: string,
  clusterIP: string,
): Promise<string> {
  const { importPublicKeyPem, issueServingCert } = await certificates();
  let publicKey: CryptoKey;
  try {
    publicKey = await importPublicKeyPem(publicKeyPem);
  } catch {
    throw badRequest("publicKey: must be an ECDSA P-256 public key in SPKI PEM form");
  }
  return issueServingCert({
    ca,
    publicKey,
    names: apiServiceNames(clusterIP),
    subject: `CN=system:node:${node.replace(/[,+"\\<>;=]/g, "_")}, O=system:nodes`,
    lifetimeMs: SERVING_LIFETIME_MS,
  });
}
