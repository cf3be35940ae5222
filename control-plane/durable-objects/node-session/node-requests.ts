// A node's requests over its session that need an answer: service-account tokens for its pods'
// projected volumes, and its serving certificate for the `kubernetes` Service. Both are done with
// the node's rights only (the store checks the pod is bound to this node), and a refusal is an
// answer with the reason, never a dropped request.

import type { z } from "zod";
import type { ServerFrame, servingCertRequestFrame, tokenRequestFrame } from "../../../schemas/agent/protocol.ts";
import { toStatus } from "../../api/errors.ts";
import { API_AUDIENCE } from "../../worker/auth.ts";
import { MIN_EXPIRATION_SECONDS, mintServiceAccountToken } from "../../worker/service-account-token.ts";
import type { StoreRpc } from "../store/types.ts";

type Request = z.infer<typeof tokenRequestFrame> | z.infer<typeof servingCertRequestFrame>;

export async function answerNodeRequest(store: StoreRpc, node: string, frame: Request): Promise<ServerFrame> {
  if (frame.type === "servingCertRequest") {
    const r = await store.nodeServingCert(node, frame.publicKeyPem);
    return r.ok
      ? { type: "servingCert", id: frame.id, certPem: r.value.certPem, caPem: r.value.caPem }
      : { type: "servingCert", id: frame.id, error: r.status.message ?? "refused" };
  }
  try {
    const minted = await mintServiceAccountToken(store, {
      namespace: frame.namespace,
      serviceAccount: frame.serviceAccount,
      expirationSeconds: Math.max(frame.expirationSeconds, MIN_EXPIRATION_SECONDS),
      audiences: frame.audiences && frame.audiences.length > 0 ? frame.audiences : [API_AUDIENCE],
      boundPod: { name: frame.pod, uid: frame.podUid },
      node,
    });
    return { type: "tokenResponse", id: frame.id, token: minted.token, expirationTimestamp: minted.expiresAt };
  } catch (err) {
    return { type: "tokenResponse", id: frame.id, error: toStatus(err).message ?? "refused" };
  }
}
