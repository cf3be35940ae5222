import { describe, expect, it } from "vitest";
import { ApiError } from "../errors.ts";
import { decodeProtobufObject } from "./decode.ts";
import { DeploymentSchema } from "./gen/api/apps/v1/apps_pb.ts";
import { LeaseSchema } from "./gen/api/coordination/v1/lease_pb.ts";
import { NodeSchema } from "./gen/api/core/v1/node_pb.ts";
import { SecretSchema } from "./gen/api/core/v1/object_pb.ts";
import { PodSchema } from "./gen/api/core/v1/pod_pb.ts";
import { DeleteOptionsSchema } from "./gen/apimachinery/meta/v1/meta_pb.ts";
import { body, hex } from "./test-support.ts";

/** mulberry32: a tiny seeded PRNG, so a failure replays exactly. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const T = { seconds: 1767323045n, nanos: 5000 };
const corpus: Uint8Array[] = [
  hex(
    "6b387300 0a0f 0a027631 12094e616d657370616365 121c 0a14 0a0464656d6f 1200 1a00 2200 2a00 3200 3800 4200 1200 1a02 0a00 1a00 2200",
  ),
  body(SecretSchema, "v1", "Secret", {
    metadata: { name: "s", labels: { a: "b" } },
    data: { k: new Uint8Array([1, 2, 255]) },
  }),
  body(DeleteOptionsSchema, "v1", "DeleteOptions", {
    gracePeriodSeconds: 0n,
    propagationPolicy: "Foreground",
    dryRun: ["All"],
  }),
  body(LeaseSchema, "coordination.k8s.io/v1", "Lease", {
    spec: { holderIdentity: "n", renewTime: T, leaseDurationSeconds: 40 },
  }),
  body(NodeSchema, "v1", "Node", {
    metadata: { name: "pi", managedFields: [{ manager: "m", fieldsV1: { raw: '{"f:spec":{}}' }, time: T }] },
    spec: { taints: [{ key: "k", effect: "NoSchedule", timeAdded: T }], podCIDRs: ["10.0.0.0/24"] },
    status: { capacity: { cpu: { string: "4" } }, images: [{ names: ["a"], sizeBytes: 1n }] },
  }),
  body(PodSchema, "v1", "Pod", {
    spec: {
      securityContext: { supplementalGroups: [1n, 2n, 3n] },
      volumes: [{ name: "v", volumeSource: { configMap: { localObjectReference: { name: "c" }, defaultMode: 420 } } }],
      containers: [
        { name: "c", env: [{ name: "E", valueFrom: { secretKeyRef: { localObjectReference: { name: "s" } } } }] },
      ],
    },
  }),
  body(DeploymentSchema, "apps/v1", "Deployment", {
    metadata: { name: "web", creationTimestamp: T },
    spec: {
      replicas: 2,
      strategy: { rollingUpdate: { maxSurge: { type: 1n, strVal: "25%" }, maxUnavailable: { intVal: 1 } } },
      template: {
        spec: {
          containers: [
            {
              name: "web",
              resources: { limits: { cpu: { string: "1" } } },
              livenessProbe: { handler: { httpGet: { port: { intVal: 80 } } }, periodSeconds: 3 },
            },
          ],
        },
      },
    },
  }),
];

function mutate(random: () => number, seed: Uint8Array): Uint8Array {
  const bytes = [...seed];
  // Past the magic and the envelope's TypeMeta most of the time, so edits reach the objects.
  const start = random() < 0.9 ? Math.min(24, bytes.length) : 0;
  const at = () => start + Math.floor(random() * (bytes.length - start + 1));
  const edits = random() < 0.7 ? 1 : 2 + Math.floor(random() * 3);
  for (let i = 0; i < edits; i++) {
    const choice = random();
    if (choice < 0.35 && bytes.length > 0) bytes[Math.min(at(), bytes.length - 1)] = Math.floor(random() * 256);
    else if (choice < 0.5) bytes.splice(at(), 0, Math.floor(random() * 256));
    else if (choice < 0.65) bytes.splice(at(), 1 + Math.floor(random() * 8));
    else if (choice < 0.75) bytes.length = Math.min(bytes.length, at());
    else if (choice < 0.9 && bytes.length > 0) {
      // Flip one bit: turns wire types, lengths and varint continuation bits into their neighbours.
      const i = Math.min(at(), bytes.length - 1);
      bytes[i] = (bytes[i] ?? 0) ^ (1 << Math.floor(random() * 8));
    } else {
      const other = corpus[Math.floor(random() * corpus.length)] ?? seed;
      const from = Math.floor(random() * other.length);
      bytes.splice(at(), 0, ...other.subarray(from, from + Math.floor(random() * 32)));
    }
  }
  return new Uint8Array(bytes);
}

function randomBody(random: () => number): Uint8Array {
  const length = Math.floor(random() * 200);
  const bytes = Array.from({ length }, () => Math.floor(random() * 256));
  // Mostly behind the magic, or nearly nothing would get past the first check.
  return new Uint8Array(random() < 0.8 ? [0x6b, 0x38, 0x73, 0x00, ...bytes] : bytes);
}

describe("fuzz", () => {
  it("the corpus decodes", () => {
    for (const seed of corpus) expect(() => decodeProtobufObject(seed)).not.toThrow();
  });

  it("5,000 random and mutated bodies give a result or a 400, nothing else", () => {
    const random = prng(0x6b387300);
    const outcomes = { decoded: 0, rejected: 0 };
    for (let i = 0; i < 5000; i++) {
      const seed = corpus[i % corpus.length] ?? new Uint8Array(0);
      const input = i % 5 === 0 ? randomBody(random) : mutate(random, seed);
      try {
        const result = decodeProtobufObject(input);
        // A result must be plain JSON that survives a round trip.
        expect(JSON.parse(JSON.stringify(result.object))).toEqual(result.object);
        outcomes.decoded++;
      } catch (err) {
        if (!(err instanceof ApiError) || err.code !== 400) {
          throw new Error(
            `case ${i} (${Array.from(input, (b) => b.toString(16).padStart(2, "0")).join("")}) threw ${String(err)}`,
          );
        }
        outcomes.rejected++;
      }
    }
    // Both paths are exercised, not just the first check.
    expect(outcomes.decoded).toBeGreaterThan(300);
    expect(outcomes.rejected).toBeGreaterThan(500);
  });
});
