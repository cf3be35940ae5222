// Which clusters this deployment hosts. One instance per deployment; a handful of small records,
// so its storage's key-value API is enough. The default cluster always exists.

import { DurableObject } from "cloudflare:workers";

export interface ClusterRecord {
  name: string;
  creationTimestamp: string;
}

export const DEFAULT_CLUSTER = "default";

export class ClusterDirectory extends DurableObject<Env> {
  async has(name: string): Promise<boolean> {
    return name === DEFAULT_CLUSTER || (await this.ctx.storage.get<ClusterRecord>(`cluster:${name}`)) !== undefined;
  }

  async list(): Promise<ClusterRecord[]> {
    const records = await this.ctx.storage.list<ClusterRecord>({ prefix: "cluster:" });
    return [{ name: DEFAULT_CLUSTER, creationTimestamp: "" }, ...records.values()];
  }

  /** Registers a cluster; false when it already exists. */
  async create(name: string): Promise<ClusterRecord | undefined> {
    if (await this.has(name)) return undefined;
    const record = { name, creationTimestamp: `${new Date().toISOString().slice(0, 19)}Z` };
    await this.ctx.storage.put(`cluster:${name}`, record);
    return record;
  }

  /** Unregisters a cluster; false when there was none (the default cluster cannot be removed). */
  async remove(name: string): Promise<boolean> {
    if (name === DEFAULT_CLUSTER) return false;
    return this.ctx.storage.delete(`cluster:${name}`);
  }
}
