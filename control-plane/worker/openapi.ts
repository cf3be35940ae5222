// OpenAPI v3: one document per group version. Each has a PATCH operation per kind that declares
// `fieldValidation` (what kubectl and helm check before they write: with it they leave validation
// to the server, Strict by default) and the kinds' schemas, tagged with their group, version and
// kind, which `kubectl explain` reads. The PATCH operations do not list strategic merge patch among
// their body types, so kubectl's client-side apply keeps computing its patches from the types
// compiled into it, not from these schemas, which carry no patch merge keys (listing it made
// kubectl re-apply an unchanged seed manifest as `configured`: test/e2e/kubectl.test.ts).

import { componentSchemas, type KindSchema } from "../../schemas/openapi-schema.ts";
import { RESOURCES, REVIEWS, type ResourceType } from "../../schemas/registry.ts";
import { reviewSchema } from "../../schemas/review-kinds.ts";
import { findStrategy } from "../api/strategies/index.ts";
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

function createOperation(r: ResourceType) {
  return {
    post: {
      operationId: `create${r.kind}`,
      "x-kubernetes-action": "post",
      "x-kubernetes-group-version-kind": { group: r.group, version: r.version, kind: r.kind },
      parameters: [QUERY("dryRun"), QUERY("fieldManager"), QUERY("fieldValidation")],
      responses: { "201": { description: "Created" } },
    },
  };
}

function document(group: string, version: string) {
  const paths: Record<string, unknown> = {};
  const kinds: KindSchema[] = [];
  for (const r of RESOURCES) {
    if (r.group !== group || r.version !== version) continue;
    const base = `/${gvPath(group, version)}`;
    const path = r.namespaced ? `${base}/namespaces/{namespace}/${r.plural}/{name}` : `${base}/${r.plural}/{name}`;
    paths[path] = patchOperation(r);
    const strategy = findStrategy(r);
    if (strategy) kinds.push({ group, version, kind: r.kind, schema: strategy.schema });
  }
  // Create-only kinds: a POST operation (where `kubectl explain` finds a resource's kind) and
  // their schemas.
  for (const r of REVIEWS) {
    const schema = r.group === group && r.version === version ? reviewSchema(r.kind) : undefined;
    if (!schema) continue;
    paths[`/${gvPath(group, version)}/${r.plural}`] = createOperation(r);
    kinds.push({ group, version, kind: r.kind, schema });
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.35.0" },
    paths,
    components: { schemas: componentSchemas(kinds) },
  };
}

type Documents = Map<string, { body: string; hash: string }>;
let documents: Documents | undefined;

/** Built on first use, not at isolate start: most isolates never serve OpenAPI. */
function allDocuments(): Documents {
  if (documents) return documents;
  const built: Documents = new Map();
  for (const { group, version } of servedGroupVersions()) {
    const body = JSON.stringify(document(group, version));
    built.set(gvPath(group, version), { body, hash: fnv1a(body) });
  }
  documents = built;
  return built;
}

/** GET /openapi/v3: where each group version's document is (URLs carry the cluster's path prefix). */
export function openApiIndex(prefix: string) {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [gv, doc] of allDocuments())
    paths[gv] = { serverRelativeURL: `${prefix}/openapi/v3/${gv}?hash=${doc.hash}` };
  return { paths };
}

/** GET /openapi/v3/<api/v1 | apis/g/v>: the document, or undefined for an unknown group version. */
export function openApiDocument(gv: string): { body: string; hash: string } | undefined {
  return allDocuments().get(gv);
}
