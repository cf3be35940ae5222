import { describe, expect, it } from "vitest";
import type { KubeObject, OwnerReference } from "../../../schemas/object.ts";
import { type GcEnqueue, gcKeysToEnqueue } from "./enqueue.ts";

const OWNER: OwnerReference = {
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  name: "rs",
  uid: "rs-uid",
  blockOwnerDeletion: true,
};
const OTHER: OwnerReference = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "o", uid: "o-uid" };

function obj(meta: Partial<KubeObject["metadata"]> = {}): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", uid: "p-uid", ...meta } };
}

const cases: [string, KubeObject | undefined, KubeObject | undefined, GcEnqueue][] = [
  [
    "created with owners: check it (its owner may be gone)",
    undefined,
    obj({ ownerReferences: [OWNER] }),
    { self: true, owners: [] },
  ],
  ["created without owners: nothing", undefined, obj(), { self: false, owners: [] }],
  [
    "updated, owners unchanged: nothing",
    obj({ ownerReferences: [OWNER] }),
    obj({ ownerReferences: [OWNER], labels: { a: "b" } }),
    { self: false, owners: [] },
  ],
  [
    "a reference removed: the former owner may be unblocked",
    obj({ ownerReferences: [OWNER, OTHER] }),
    obj({ ownerReferences: [OTHER] }),
    { self: true, owners: ["rs-uid"] },
  ],
  [
    "blockOwnerDeletion turned off: the owner may be unblocked",
    obj({ ownerReferences: [OWNER] }),
    obj({ ownerReferences: [{ ...OWNER, blockOwnerDeletion: false }] }),
    { self: true, owners: ["rs-uid"] },
  ],
  [
    "starts a foreground deletion: itself and all its dependents",
    obj(),
    obj({ deletionTimestamp: "2026-03-01T10:00:00Z", finalizers: ["foregroundDeletion"] }),
    { self: true, owners: [], dependentsOf: "p-uid" },
  ],
  [
    "starts an orphaning deletion: itself",
    obj(),
    obj({ deletionTimestamp: "2026-03-01T10:00:00Z", finalizers: ["orphan"] }),
    { self: true, owners: [] },
  ],
  [
    "deleted: its dependents may dangle, its owners may be unblocked",
    obj({ ownerReferences: [OWNER, OTHER] }),
    undefined,
    { self: false, owners: ["rs-uid", "o-uid"], dependentsOf: "p-uid" },
  ],
];

describe("gcKeysToEnqueue", () => {
  it.each(cases)("%s", (_name, old, current, expected) => {
    expect(gcKeysToEnqueue(old, current)).toEqual(expected);
  });
});
