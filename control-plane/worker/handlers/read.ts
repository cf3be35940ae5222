// GET of one object, lists and watches.

import { parseFieldSelector } from "../../api/selectors/fields.ts";
import { parseLabelSelector } from "../../api/selectors/labels.ts";
import { listPaged } from "../list-stream.ts";
import { parseListQuery } from "../query.ts";
import { objectResponse, watchResponse } from "../respond.ts";
import { unwrap } from "../store-client.ts";
import { type ResourceRequest, readFormat } from "./context.ts";

export async function getObject(req: ResourceRequest, name: string): Promise<Response> {
  const obj = unwrap(await req.store.get(req.ref, req.namespace, name));
  return objectResponse(req.rt, obj, readFormat(req));
}

export async function listOrWatch(req: ResourceRequest): Promise<Response> {
  const q = parseListQuery(req.url.searchParams, req.path.legacyWatch);
  const namespace = req.rt.namespaced && req.path.namespace !== undefined ? req.path.namespace : undefined;
  const format = readFormat(req);
  // Selectors are checked here so a bad one is a 400, not a stream that ends at once.
  parseLabelSelector(q.labelSelector);
  parseFieldSelector(q.fieldSelector, req.rt);
  if (q.watch) {
    const stream = unwrap(
      await req.store.watch(req.ref, {
        namespace,
        labelSelector: q.labelSelector,
        fieldSelector: q.fieldSelector,
        resourceVersion: q.resourceVersion,
        resourceVersionMatch: q.resourceVersionMatch,
        allowWatchBookmarks: q.allowWatchBookmarks,
        sendInitialEvents: q.sendInitialEvents,
        timeoutSeconds: q.timeoutSeconds,
        format: format.table ? "table" : "json",
        includeObject: format.includeObject,
      }),
    );
    return watchResponse(stream, format.table);
  }
  return listPaged(
    req.store,
    req.rt,
    req.ref,
    {
      namespace,
      labelSelector: q.labelSelector,
      fieldSelector: q.fieldSelector,
      limit: q.limit,
      continue: q.continue,
      resourceVersion: q.resourceVersion,
      resourceVersionMatch: q.resourceVersionMatch,
    },
    format,
  );
}
