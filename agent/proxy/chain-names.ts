// Names of the proxy's iptables chains. Every chain kflare owns starts with KFLARE- so cleanup can
// find them all and nothing else. Per-service and per-endpoint chains are named by a hash (SHA-256,
// RFC 4648 base32, first 16 characters), as kube-proxy names its own: deterministic, so an
// unchanged service keeps its chains across syncs, and within iptables' 28-character limit.
import { createHash } from "node:crypto";

export const CHAIN_PREFIX = "KFLARE-";
export const SERVICES_CHAIN = "KFLARE-SERVICES";
export const NODEPORTS_CHAIN = "KFLARE-NODEPORTS";
export const POSTROUTING_CHAIN = "KFLARE-POSTROUTING";
export const MARK_MASQ_CHAIN = "KFLARE-MARK-MASQ";
export const EXTERNAL_SERVICES_CHAIN = "KFLARE-EXTERNAL-SERVICES";
export const FORWARD_CHAIN = "KFLARE-FORWARD";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 (no padding) of the first bytes of `bytes`, cut to `length` characters. */
export function base32Prefix(bytes: Uint8Array, length: number): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32[(buffer >> bits) & 31];
      if (out.length === length) return out;
    }
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out.slice(0, length);
}

function hash16(text: string): string {
  return base32Prefix(createHash("sha256").update(text).digest(), 16);
}

export type PortChainKind = "SVC" | "SVL" | "EXT";

/** A service port's chain: SVC (all endpoints), SVL (this node's endpoints), EXT (NodePort entry). */
export function portChain(kind: PortChainKind, servicePortName: string, protocol: string): string {
  return `${CHAIN_PREFIX}${kind}-${hash16(servicePortName + protocol)}`;
}

/** The chain that DNATs to one endpoint ("ip:port") of a service port. */
export function endpointChain(servicePortName: string, protocol: string, endpoint: string): string {
  return `${CHAIN_PREFIX}SEP-${hash16(servicePortName + protocol + endpoint)}`;
}
