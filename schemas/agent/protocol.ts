// The node link: frames between a k-agent and its node's Durable Object, over one outbound
// WebSocket per node. JSON text frames, one zod-validated discriminated union per direction.
// Bulk data never travels here: each logs/exec/attach/port-forward stream gets its own short-lived
// data WebSocket, and Ingress traffic rides the node's ingress link (ingress-link.ts), so control
// frames never wait behind it.
// Keepalives are the literal text "ping" answered "pong" by the platform without waking the object.

import { z } from "zod";
import type { KubeObject } from "../object.ts";

/** Bumped when frames change incompatibly; an agent speaking another version is told to upgrade. */
export const PROTOCOL_VERSION = 1;

export const KEEPALIVE_PING = "ping";
export const KEEPALIVE_PONG = "pong";

/** A Kubernetes object: checked for its envelope; the fields are the API server's to validate. */
const object = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({}),
}) as unknown as z.ZodType<KubeObject>;

// ---- agent -> control plane ----

export const helloFrame = z.object({
  type: z.literal("hello"),
  protocolVersion: z.number().int(),
  agentVersion: z.string(),
  nodeName: z.string(),
  /** The resourceVersion of the last assignment the agent applied ("" when it has none). */
  resumeFrom: z.string(),
});

export const podStatusFrame = z.object({
  type: z.literal("podStatus"),
  namespace: z.string(),
  name: z.string(),
  uid: z.string(),
  status: z.looseObject({}),
});

/**
 * The node's own report: the first one after hello registers the Node when it does not exist
 * (the control plane assigns its podCIDR), later ones update its status and labels.
 */
export const nodeStatusFrame = z.object({
  type: z.literal("nodeStatus"),
  labels: z.record(z.string(), z.string()),
  /** Taints the node registers with (e.g. wasm-only); later reports leave taints to the cluster. */
  taints: z
    .array(
      z.object({
        key: z.string(),
        value: z.string().optional(),
        effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
      }),
    )
    .optional(),
  status: z.looseObject({}),
});

/** The pod's containers have stopped: the node confirms its deletion (grace 0), as kubelet does. */
export const podDeletedFrame = z.object({
  type: z.literal("podDeleted"),
  namespace: z.string(),
  name: z.string(),
  uid: z.string(),
});

export const eventFrame = z.object({
  type: z.literal("event"),
  /** A core/v1 Event about one of this node's pods or the node itself. */
  event: object,
});

/**
 * A service-account token for one of the node's pods (its projected token volume), as a
 * TokenRequest bound to that pod. Answered by a tokenResponse with the same id.
 */
export const tokenRequestFrame = z.object({
  type: z.literal("tokenRequest"),
  id: z.string(),
  namespace: z.string(),
  serviceAccount: z.string(),
  pod: z.string(),
  podUid: z.string(),
  audiences: z.array(z.string()).optional(),
  expirationSeconds: z.number().int(),
});

/**
 * A serving certificate for the `kubernetes` Service, signed by the cluster CA, for the node's own
 * key (only the public half travels). Answered by a servingCert frame with the same id.
 */
export const servingCertRequestFrame = z.object({
  type: z.literal("servingCertRequest"),
  id: z.string(),
  publicKeyPem: z.string(),
});

export const agentFrame = z.discriminatedUnion("type", [
  helloFrame,
  podStatusFrame,
  nodeStatusFrame,
  podDeletedFrame,
  eventFrame,
  tokenRequestFrame,
  servingCertRequestFrame,
]);
export type AgentFrame = z.infer<typeof agentFrame>;

// ---- control plane -> agent ----

export const welcomeFrame = z.object({
  type: z.literal("welcome"),
  protocolVersion: z.number().int(),
  serverVersion: z.string(),
  /** How often the agent sends a keepalive ping (the node's lease is renewed while they arrive). */
  keepaliveSeconds: z.number().positive(),
});

/** The agent speaks another protocol version: what to run instead. */
export const upgradeFrame = z.object({
  type: z.literal("upgrade"),
  protocolVersion: z.number().int(),
  message: z.string(),
});

/**
 * Everything the node must run, whole: its pods (spec and metadata; status is the node's own) and
 * the ConfigMaps and Secrets they reference. Sent on connect and whenever it changes; the agent
 * compares by pod UID and spec hash, so a repeated snapshot never restarts anything.
 */
export const assignmentFrame = z.object({
  type: z.literal("assignment"),
  resourceVersion: z.string(),
  pods: z.array(object),
  configMaps: z.array(object),
  secrets: z.array(object),
  /** The status of the node's Ready condition as the cluster sees it: not "True" asks for a fresh report. */
  nodeReady: z.string().optional(),
  /** The node's podCIDR, once assigned: the agent's pod network (CNI) hands out addresses from it. */
  podCIDR: z.string().optional(),
});

/**
 * The cluster's Services and EndpointSlices, whole, for the node's service proxy and DNS (what
 * kube-proxy and CoreDNS watch). Sent on connect and whenever a Service or slice changes; objects
 * carry the metadata those need (name, namespace, uid, labels) and their spec or endpoints.
 */
export const networkFrame = z.object({
  type: z.literal("network"),
  resourceVersion: z.string(),
  /** Every pod's range: the proxy masquerades service traffic from outside it; DNS answers only it. */
  clusterCIDR: z.string(),
  services: z.array(object),
  endpointSlices: z.array(object),
  /** Each node's podCIDR and address: routes to pods on other nodes of the same LAN. */
  nodes: z.array(z.object({ name: z.string(), podCIDR: z.string(), address: z.string() })).default([]),
});

/**
 * Open a log stream (kubectl logs): the agent dials /kflare/v1/nodes/<node>/streams/<id> and
 * writes to it.
 */
export const openLogStreamFrame = z.object({
  type: z.literal("openStream"),
  id: z.string(),
  kind: z.literal("logs"),
  namespace: z.string(),
  pod: z.string(),
  uid: z.string(),
  container: z.string(),
  follow: z.boolean(),
  previous: z.boolean(),
  timestamps: z.boolean(),
  tailLines: z.number().int().nonnegative().optional(),
  sinceSeconds: z.number().int().positive().optional(),
  sinceTime: z.string().optional(),
  limitBytes: z.number().int().positive().optional(),
});

/**
 * Open an exec or attach session (kubectl exec / attach) on a data stream. After the agent's first
 * text message ({"ok":true} or {"status": <metav1.Status>}) the socket carries v5.channel.k8s.io
 * frames unchanged in both directions: a channel byte, then the bytes (0 stdin, 1 stdout, 2 stderr,
 * 3 status, 4 resize, 255 close).
 */
export const openExecStreamFrame = z.object({
  type: z.literal("openStream"),
  id: z.string(),
  kind: z.enum(["exec", "attach"]),
  namespace: z.string(),
  pod: z.string(),
  uid: z.string(),
  container: z.string(),
  /** The command (exec only; empty for attach). */
  command: z.array(z.string()),
  stdin: z.boolean(),
  stdout: z.boolean(),
  stderr: z.boolean(),
  tty: z.boolean(),
});

/**
 * Open a port-forward session (kubectl port-forward) on a data stream. After the agent's first text
 * message ({"ok":true} or {"status": <metav1.Status>}) the socket carries kubectl's SPDY/3.1 byte
 * stream unchanged in both directions (message boundaries arbitrary); the agent terminates it and
 * dials the pod's ports itself.
 */
export const openPortForwardStreamFrame = z.object({
  type: z.literal("openStream"),
  id: z.string(),
  kind: z.literal("portforward"),
  namespace: z.string(),
  pod: z.string(),
  uid: z.string(),
});

export const openStreamFrame = z.discriminatedUnion("kind", [
  openLogStreamFrame,
  openExecStreamFrame,
  openPortForwardStreamFrame,
]);

export const errorFrame = z.object({ type: z.literal("error"), message: z.string() });

export const tokenResponseFrame = z.object({
  type: z.literal("tokenResponse"),
  id: z.string(),
  token: z.string().optional(),
  /** RFC 3339. */
  expirationTimestamp: z.string().optional(),
  /** Why no token was issued (the pod is gone, the account does not exist...). */
  error: z.string().optional(),
});

export const servingCertFrame = z.object({
  type: z.literal("servingCert"),
  id: z.string(),
  certPem: z.string().optional(),
  /** The cluster CA: what pods trust (kube-root-ca.crt). */
  caPem: z.string().optional(),
  error: z.string().optional(),
});

export const serverFrame = z.discriminatedUnion("type", [
  welcomeFrame,
  upgradeFrame,
  assignmentFrame,
  networkFrame,
  openStreamFrame,
  errorFrame,
  tokenResponseFrame,
  servingCertFrame,
]);
export type ServerFrame = z.infer<typeof serverFrame>;
export type OpenStreamFrame = z.infer<typeof openStreamFrame>;
export type OpenLogStreamFrame = z.infer<typeof openLogStreamFrame>;
export type OpenExecStreamFrame = z.infer<typeof openExecStreamFrame>;
export type OpenPortForwardStreamFrame = z.infer<typeof openPortForwardStreamFrame>;
export type AssignmentFrame = z.infer<typeof assignmentFrame>;
export type NetworkFrame = z.infer<typeof networkFrame>;
export type TokenRequestFrame = z.infer<typeof tokenRequestFrame>;
export type TokenResponseFrame = z.infer<typeof tokenResponseFrame>;
export type ServingCertFrame = z.infer<typeof servingCertFrame>;
export type ServingCertRequestFrame = z.infer<typeof servingCertRequestFrame>;

/** Parses a text frame; undefined (never a throw) for anything that is not a valid frame. */
export function parseFrame<T>(schema: z.ZodType<T>, text: string): T | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const r = schema.safeParse(raw);
  return r.success ? r.data : undefined;
}
