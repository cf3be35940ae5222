// After the fuzzing, the cluster must still be one a client can trust: every resource lists; every
// stored object is complete, decodes strictly and validates; resourceVersions are unique and not
// ahead of the list; each stored name is taken (a re-create is 409 AlreadyExists); nothing whose
// create failed (or was a dry run) exists; and the ClusterIP allocations match the Services.

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { strategyFor } from "../../../control-plane/api/strategies/index.ts";
import type { KubeObject } from "../../../schemas/object.ts";
import { apiVersionOf, RESOURCES, type ResourceType, storageResource } from "../../../schemas/registry.ts";

export type Call = (method: string, path: string, body?: string) => Promise<Response>;

function collectionPath(rt: ResourceType, namespace?: string): string {
  const root = rt.group ? `/apis/${rt.group}/${rt.version}` : `/api/${rt.version}`;
  return namespace !== undefined ? `${root}/namespaces/${namespace}/${rt.plural}` : `${root}/${rt.plural}`;
}

function decodeProblems(rt: ResourceType, obj: KubeObject, where: string): string[] {
  const strategy = strategyFor(rt);
  try {
    const { object } = strategy.decode(obj, "Strict");
    // events.k8s.io also shows Events written through core/v1, which its stricter rules never applied to.
    const causes = rt.group === "events.k8s.io" ? [] : strategy.validate(object);
    return causes.map((c) => `${where}: stored object does not validate: ${c.field}: ${c.message}`);
  } catch (err) {
    return [`${where}: stored object does not decode strictly: ${err instanceof Error ? err.message : String(err)}`];
  }
}

/** Lists every resource and checks each object; returns the objects seen, by storage key. */
async function checkLists(call: Call, problems: string[]): Promise<Map<string, { rt: ResourceType; obj: KubeObject }>> {
  const seen = new Map<string, { rt: ResourceType; obj: KubeObject }>();
  const byRv = new Map<string, string>();
  for (const rt of RESOURCES) {
    const res = await call("GET", collectionPath(rt));
    if (res.status !== 200) {
      problems.push(`list ${rt.plural}.${rt.group}: ${res.status} ${await res.text()}`);
      continue;
    }
    const list = (await res.json()) as { metadata: { resourceVersion?: string }; items: KubeObject[] };
    const listRv = Number(list.metadata.resourceVersion);
    for (const obj of list.items) {
      const m = obj.metadata;
      const where = `${rt.plural}.${rt.group} ${m.namespace ?? ""}/${m.name}`;
      if (!m.name || !m.uid || !m.resourceVersion) problems.push(`${where}: missing name, uid or resourceVersion`);
      if (obj.apiVersion !== apiVersionOf(rt) || obj.kind !== rt.kind)
        problems.push(`${where}: listed as ${obj.apiVersion} ${obj.kind}`);
      if (!(Number(m.resourceVersion) <= listRv))
        problems.push(`${where}: resourceVersion ${m.resourceVersion} is ahead of the list's ${listRv}`);
      const key = `${storageResource(rt)}/${m.namespace ?? ""}/${m.name}`;
      const other = byRv.get(m.resourceVersion ?? "");
      if (other !== undefined && other !== key)
        problems.push(`${where}: resourceVersion ${m.resourceVersion} is also ${other}'s`);
      byRv.set(m.resourceVersion ?? "", key);
      problems.push(...decodeProblems(rt, obj, where));
      if (!seen.has(key)) seen.set(key, { rt, obj });
    }
  }
  return seen;
}

/** A create of an object that exists is refused with 409 AlreadyExists, whatever else it carries. */
async function checkRecreates(
  call: Call,
  seen: Map<string, { rt: ResourceType; obj: KubeObject }>,
  problems: string[],
): Promise<void> {
  for (const { rt, obj } of seen.values()) {
    const again = structuredClone(obj);
    delete again.metadata.resourceVersion;
    const path = collectionPath(rt, rt.namespaced ? obj.metadata.namespace : undefined);
    const res = await call("POST", path, JSON.stringify(again));
    const status = (await res.json()) as { code?: number; reason?: string; message?: string };
    if (res.status !== 409 || status.reason !== "AlreadyExists") {
      problems.push(
        `re-create of ${rt.plural} ${obj.metadata.namespace ?? ""}/${obj.metadata.name}: ${res.status} ${status.reason}: ${status.message}`,
      );
    }
  }
}

export interface Tracked {
  /** Object paths whose create was refused or was a dry run: none of them may exist. */
  absent: string[];
}

async function checkAbsent(call: Call, tracked: Tracked, problems: string[]): Promise<void> {
  for (const path of tracked.absent) {
    const res = await call("GET", path);
    if (res.status !== 404)
      problems.push(`${path}: exists (${res.status}) although its create failed or was a dry run`);
    await res.body?.cancel();
  }
}

/** The store's ClusterIP table holds exactly the addresses of existing Services. */
async function checkAllocations(
  cluster: string,
  seen: Map<string, { rt: ResourceType; obj: KubeObject }>,
  problems: string[],
): Promise<void> {
  const wanted = new Set<string>();
  for (const { rt, obj } of seen.values()) {
    if (rt.plural !== "services" || rt.group !== "") continue;
    const ip = (obj.spec as { clusterIP?: string } | undefined)?.clusterIP;
    if (ip && ip !== "None") wanted.add(ip);
  }
  const stub = env.CLUSTER_STORE.get(env.CLUSTER_STORE.idFromName(`cluster:${cluster}`));
  const held = await runInDurableObject(stub, (_instance, state) =>
    state.storage.sql
      .exec<{ value: string }>("SELECT value FROM allocations WHERE pool = 'cluster-ip'")
      .toArray()
      .map((r) => r.value),
  );
  for (const ip of held) if (!wanted.has(ip)) problems.push(`ClusterIP ${ip} is allocated to no Service (leaked)`);
  for (const ip of wanted) if (!held.includes(ip)) problems.push(`ClusterIP ${ip} of a Service is not allocated`);
}

export async function checkConsistency(call: Call, cluster: string, tracked: Tracked): Promise<string[]> {
  const problems: string[] = [];
  const seen = await checkLists(call, problems);
  await checkRecreates(call, seen, problems);
  await checkAbsent(call, tracked, problems);
  await checkAllocations(cluster, seen, problems);
  return problems;
}
