// When to write the offline state file: only when the node's assignments change. The session calls
// record() with what it has after every change it receives; a watch bookmark, a pod status the
// agent itself wrote, or a new resourceVersion on unchanged objects leaves the file (and the SD
// card) alone, and the recorded resourceVersion stays that of the last real change.

import { createHash } from "node:crypto";
import type { ConfigMap, Secret } from "../../schemas/core/config.ts";
import type { Pod } from "../../schemas/core/pod.ts";
import { podReferences } from "../pods/references.ts";
import { stableJSON } from "../pods/spec-hash.ts";
import { type OfflineSnapshot, readStateFile, writeStateFile } from "./state-file.ts";

export interface Assignments {
  pods: readonly Pod[];
  configMaps: readonly ConfigMap[];
  secrets: readonly Secret[];
}

export interface OfflineStateOptions {
  path: string;
  /** Replaces the file writer (tests count writes). */
  write?: (path: string, snapshot: OfflineSnapshot) => Promise<void>;
}

type Meta = Pod["metadata"];

/** Metadata without the fields that change on every write of the object (not an assignment change). */
function stableMeta(meta: Meta): Meta {
  const { resourceVersion: _rv, managedFields: _mf, ...rest } = meta;
  return rest;
}

const TERMINAL = new Set(["Succeeded", "Failed"]);

/**
 * A pod as the file keeps it: spec and metadata, and of its status only the QoS class and a
 * terminal phase. The phase is kept so a finished pod is not started again after a reboot; it is
 * set once per pod, so it costs one write, not a write per status update.
 */
function storedPod(pod: Pod): Pod {
  const out: Pod = { apiVersion: pod.apiVersion || "v1", kind: pod.kind || "Pod", metadata: stableMeta(pod.metadata) };
  if (pod.spec) out.spec = pod.spec;
  const status: NonNullable<Pod["status"]> = {};
  if (pod.status?.qosClass) status.qosClass = pod.status.qosClass;
  if (TERMINAL.has(pod.status?.phase ?? "")) status.phase = pod.status?.phase;
  if (Object.keys(status).length > 0) out.status = status;
  return out;
}

function key(o: { metadata: Meta }): string {
  return `${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}`;
}

function byKey<T extends { metadata: Meta }>(items: T[]): T[] {
  return items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export class OfflineState {
  private readonly path: string;
  private readonly write: (path: string, snapshot: OfflineSnapshot) => Promise<void>;
  private digest: string | undefined;
  private savedResourceVersion: string | undefined;
  private pending: Promise<unknown> = Promise.resolve();

  constructor(options: OfflineStateOptions) {
    this.path = options.path;
    this.write = options.write ?? ((path, snapshot) => writeStateFile(path, snapshot));
  }

  /** The resourceVersion of the last assignment change recorded. */
  get resourceVersion(): string | undefined {
    return this.savedResourceVersion;
  }

  /** Reads the saved assignments (undefined when there is no file); throws StateFileError when unusable. */
  async load(): Promise<OfflineSnapshot | undefined> {
    const snapshot = await readStateFile(this.path);
    if (snapshot) {
      this.digest = this.digestOf(this.normalize(snapshot));
      this.savedResourceVersion = snapshot.resourceVersion;
    }
    return snapshot;
  }

  /** Saves the assignments if they differ from the saved ones; returns whether the file was written. */
  record(assignments: Assignments, resourceVersion: string): Promise<boolean> {
    // Calls are serialised so two quick changes cannot race their renames.
    const run = this.pending.then(() => this.recordNow(assignments, resourceVersion));
    this.pending = run.catch(() => undefined);
    return run;
  }

  private normalize(a: Assignments): Omit<OfflineSnapshot, "resourceVersion"> {
    const pods = [...a.pods].map(storedPod).sort((x, y) => ((x.metadata.uid ?? "") < (y.metadata.uid ?? "") ? -1 : 1));
    const refs = podReferences(pods);
    const configMaps = byKey(
      a.configMaps.filter((c) => refs.configMaps.has(key(c))).map((c) => ({ ...c, metadata: stableMeta(c.metadata) })),
    );
    const secrets = byKey(
      a.secrets.filter((s) => refs.secrets.has(key(s))).map((s) => ({ ...s, metadata: stableMeta(s.metadata) })),
    );
    return { pods, configMaps, secrets };
  }

  private digestOf(content: Omit<OfflineSnapshot, "resourceVersion">): string {
    return createHash("sha256").update(stableJSON(content)).digest("hex");
  }

  private async recordNow(assignments: Assignments, resourceVersion: string): Promise<boolean> {
    const content = this.normalize(assignments);
    const digest = this.digestOf(content);
    if (digest === this.digest) return false;
    await this.write(this.path, { resourceVersion, ...content });
    this.digest = digest;
    this.savedResourceVersion = resourceVersion;
    return true;
  }
}
