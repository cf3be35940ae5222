// The edge router: one Durable Object per deployment that decides, per Ingress request, which
// pod serves it. It holds every cluster's edge table in memory; the stores push a new table after
// each change to an Ingress, Service or EndpointSlice, so a request never reads a store. After a
// restart it pulls each cluster's table once. Endpoints of a backend take turns (round robin).
// A host belongs to one cluster: the most specific match wins across clusters (an exact host
// beats a wildcard beats a catch-all), and on a tie the default cluster, then the oldest cluster.

import { DurableObject } from "cloudflare:workers";
import { backendKey, type EdgeEndpoint, type EdgeTable, routingTableOf } from "../../ingress/edge-table.ts";
import { candidateHosts, lookupAt, type RoutingTable } from "../../ingress/routing-table.ts";
import { storeClient } from "../store/client.ts";

export type EdgeDecision =
  | { ok: true; cluster: string; endpoint: EdgeEndpoint; ingress: string }
  | { ok: false; status: 404 | 503; message: string };

interface ClusterRoutes {
  edge: EdgeTable;
  table: RoutingTable;
  /** Clusters are consulted in this order on a tie (default first, then by creation). */
  rank: number;
}

export class EdgeRouter extends DurableObject<Env> {
  private readonly clusters = new Map<string, ClusterRoutes>();
  private readonly turns = new Map<string, number>();
  private loading: Promise<void> | undefined;

  /** A store's newest table (older revisions arriving late are ignored). */
  async update(edge: EdgeTable): Promise<void> {
    await this.load();
    this.put(edge);
  }

  /** The cluster was deleted: its hosts are free. */
  async forget(cluster: string): Promise<void> {
    this.clusters.delete(cluster);
  }

  async route(host: string, path: string): Promise<EdgeDecision> {
    await this.load();
    const ordered = [...this.clusters.values()].sort((a, b) => a.rank - b.rank);
    for (const candidate of candidateHosts(host)) {
      for (const c of ordered) {
        const route = lookupAt(c.table, candidate, path);
        if (!route) continue;
        const key = backendKey(route.backend);
        const backend = c.edge.backends[key];
        if (!backend || backend.endpoints.length === 0)
          return {
            ok: false,
            status: 503,
            message:
              backend?.unavailable ??
              `Service ${route.backend.namespace}/${route.backend.service} has no ready endpoints`,
          };
        const turn = this.turns.get(`${c.edge.cluster}/${key}`) ?? 0;
        this.turns.set(`${c.edge.cluster}/${key}`, turn + 1);
        const endpoint = backend.endpoints[turn % backend.endpoints.length]!;
        return { ok: true, cluster: c.edge.cluster, endpoint, ingress: route.ingress };
      }
    }
    return { ok: false, status: 404, message: `no Ingress serves host "${host}" path "${path.split("?")[0]}"` };
  }

  private put(edge: EdgeTable): void {
    const existing = this.clusters.get(edge.cluster);
    if (existing && existing.edge.revision > edge.revision) return;
    this.clusters.set(edge.cluster, {
      edge,
      table: routingTableOf(edge),
      rank: existing?.rank ?? (edge.cluster === "default" ? 0 : this.clusters.size + 1),
    });
  }

  /** After a restart: every cluster's table, pulled once from its store. */
  private load(): Promise<void> {
    this.loading ??= this.ctx.blockConcurrencyWhile(async () => {
      const directory = this.env.CLUSTER_DIRECTORY.get(this.env.CLUSTER_DIRECTORY.idFromName("directory"));
      const names = ["default", ...(await directory.list()).map((c) => c.name).filter((n) => n !== "default")];
      const tables = await Promise.all(names.map((n) => storeClient(this.env.CLUSTER_STORE, n).edgeTable()));
      names.forEach((n, i) => {
        const t = tables[i];
        if (t?.ok) this.put(t.value);
        else if (t && !t.ok) console.error(`edge router: cluster ${n} has no edge table: ${t.status.message}`);
      });
    });
    return this.loading;
  }
}

export function edgeRouter(env: Env): DurableObjectStub<EdgeRouter> {
  return env.EDGE_ROUTER.get(env.EDGE_ROUTER.idFromName("edge"));
}
