// Large lists, streamed: the Worker reads the store page by page (one consistent snapshot through
// continue tokens) and writes each page out as it arrives, so no list is ever held whole in the
// Worker or sent whole across Durable Object RPC (which caps a value at 32 MiB). Items come before
// metadata in the body, since the final continue token is known only at the end; JSON clients do
// not mind the order.

import type { KubeObject, ListMeta } from "../../schemas/object.ts";
import { apiVersionOf, type ResourceType } from "../../schemas/registry.ts";
import { toTable } from "../api/table/index.ts";
import type { ListOptions } from "../durable-objects/store/types.ts";
import type { ReadFormat } from "./respond.ts";
import { listResponse } from "./respond.ts";
import { type StoreStub, unwrap } from "./store-client.ts";

/** Objects per store read: a page of pods is a few MB at most. */
export const PAGE = 500;

const encoder = new TextEncoder();

export async function listPaged(
  store: StoreStub,
  rt: ResourceType,
  ref: { group: string; version: string; plural: string },
  opts: ListOptions,
  format: ReadFormat,
): Promise<Response> {
  const wanted = opts.limit && opts.limit > 0 ? opts.limit : Number.POSITIVE_INFINITY;
  const first = unwrap(await store.list(ref, { ...opts, limit: Math.min(PAGE, wanted) }));
  // Small enough for one page: answered as a whole, as before.
  if (!first.metadata.continue || first.items.length >= wanted)
    return listResponse(rt, first.items, first.metadata, format);

  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const write = (text: string) => writer.write(encoder.encode(text));
  const now = Date.now();
  const render = (items: KubeObject[], withColumns: boolean) => {
    if (!format.table) return items.map((o) => JSON.stringify(o)).join(",");
    const t = toTable(rt, items, { includeObject: format.includeObject, now, withColumns });
    return (t.rows ?? []).map((r) => JSON.stringify(r)).join(",");
  };
  const pump = async () => {
    let page = first;
    let count = 0;
    let meta: ListMeta = { resourceVersion: first.metadata.resourceVersion };
    if (format.table) {
      const cols = toTable(rt, [], { includeObject: format.includeObject, now }).columnDefinitions;
      await write(`{"kind":"Table","apiVersion":"meta.k8s.io/v1","columnDefinitions":${JSON.stringify(cols)},"rows":[`);
    } else
      await write(`{"kind":${JSON.stringify(rt.listKind)},"apiVersion":${JSON.stringify(apiVersionOf(rt))},"items":[`);
    for (;;) {
      const text = render(page.items, count === 0);
      if (text) await write((count > 0 ? "," : "") + text);
      count += page.items.length;
      meta = {
        resourceVersion: first.metadata.resourceVersion,
        ...(page.metadata.continue ? { continue: page.metadata.continue } : {}),
      };
      if (!page.metadata.continue || count >= wanted) break;
      page = unwrap(
        await store.list(ref, {
          ...opts,
          resourceVersion: undefined,
          resourceVersionMatch: undefined,
          continue: page.metadata.continue,
          limit: Math.min(PAGE, wanted - count),
        }),
      );
    }
    await write(`],"metadata":${JSON.stringify(meta)}}`);
    await writer.close();
  };
  pump().catch((err: unknown) => writer.abort(err));
  return new Response(readable, {
    headers: {
      "content-type": format.table ? "application/json;as=Table;v=v1;g=meta.k8s.io" : "application/json",
      "content-encoding": "identity",
    },
  });
}
