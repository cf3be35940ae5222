// A minimal OpenAPI v3: one document per group version with a PATCH operation per kind that
// declares `fieldValidation`. That is what kubectl and helm check before they write: with it they
// leave validation to the server (Strict by default). No GVK-tagged schemas are published, so
// client-side apply computes strategic merge patches from the types compiled into kubectl.

import { RESOURCES, type ResourceType } from "../../schemas/registry.ts";
import { servedGroupVersions } from "./discovery.ts";

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

const QUERY = (name: string) => ({ name, in: "query", schema: { type: "string" }, uniqueItems: true });

function patchOperation(r: ResourceType) {
  return {
    patch: {
      operationId: `patch${r.kind}`,
      "x-kubernetes-action": "patch",
      "x-kubernetes-group-version-kind": { group: r.group, version: r.version, kind: r.kind },
      requestBody: {
        content: {
          "application/json-patch+json": {},
          "application/merge-patch+json": {},
          "application/apply-patch+yaml": {},
        },
      },
      parameters: [
        QUERY("dryRun"),
        QUERY("fieldManager"),
        QUERY("fieldValidation"),
        { ...QUERY("force"), schema: { type: "boolean" } },
      ],
      responses: { "200": { description: "OK" }, "201": { description: "Created" } },
    },
  };
}

function document(group: string, version: string) {
  const paths: Record<string, unknown> = {};
  for (const r of RESOURCES) {
    if (r.group !== group || r.version !== version) continue;
    const base = `/${gvPath(group, version)}`;
    const path = r.namespaced ? `${base}/namespaces/{namespace}/${r.plural}/{name}` : `${base}/${r.plural}/{name}`;
    paths[path] = patchOperation(r);
  }
  return { openapi: "3.0.0", info: { title: "Kubernetes", version: "v1.35.0" }, paths, components: { schemas: {} } };
}

const DOCUMENTS = new Map<string, { body: string; hash: string }>();
for (const { group, version } of servedGroupVersions()) {
  const body = JSON.stringify(document(group, version));
  DOCUMENTS.set(gvPath(group, version), { body, hash: fnv1a(body) });
}

/** GET /openapi/v3: where each group version's document is (URLs carry the cluster's path prefix). */
export function openApiIndex(prefix: string) {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [gv, doc] of DOCUMENTS) paths[gv] = { serverRelativeURL: `${prefix}/openapi/v3/${gv}?hash=${doc.hash}` };
  return { paths };
}

/** GET /openapi/v3/<api/v1 | apis/g/v>: the document, or undefined for an unknown group version. */
export function openApiDocument(gv: string): { body: string; hash: string } | undefined {
  return DOCUMENTS.get(gv);
}
