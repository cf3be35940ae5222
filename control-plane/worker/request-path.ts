// Parses Kubernetes REST paths: /api/v1/..., /apis/<group>/<version>/..., with or without a
// namespace, a name and a subresource, and the legacy /watch/ form.

import { badRequest } from "../api/errors.ts";

export interface ResourcePath {
  group: string;
  version: string;
  namespace: string | undefined;
  plural: string;
  name: string | undefined;
  subresource: string | undefined;
  /** The deprecated /api/v1/watch/... form: a watch regardless of ?watch. */
  legacyWatch: boolean;
}

export type ParsedPath =
  | { type: "resource"; path: ResourcePath }
  | { type: "groupVersion"; group: string; version: string }
  | { type: "group"; group: string }
  | { type: "root"; core: boolean }
  | { type: "unknown" };

/** Subresources of a namespace itself, so /api/v1/namespaces/x/status is not a resource "status". */
const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

/**
 * One path segment, percent-decoded. A malformed escape (`%zz`, or bytes that are not UTF-8 such
 * as an encoded surrogate) is the client's error: Go's URL parser answers it with 400 too.
 */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    const shown = segment.length > 100 ? `${segment.slice(0, 100)}...` : segment;
    throw badRequest(`the request path is not valid: the segment "${shown}" is not valid percent-encoded UTF-8`);
  }
}

export function parseApiPath(pathname: string): ParsedPath {
  const parts = pathname
    .split("/")
    .filter((p) => p.length > 0)
    .map(decodeSegment);
  let i = 0;
  let group: string;
  if (parts[0] === "api") {
    group = "";
    i = 1;
    if (parts.length === 1) return { type: "root", core: true };
  } else if (parts[0] === "apis") {
    if (parts.length === 1) return { type: "root", core: false };
    group = parts[1]!;
    i = 2;
    if (parts.length === 2) return { type: "group", group };
  } else return { type: "unknown" };
  const version = parts[i++];
  if (!version) return { type: "unknown" };
  if (i === parts.length) return { type: "groupVersion", group, version };
  let legacyWatch = false;
  if (parts[i] === "watch") {
    legacyWatch = true;
    i++;
  }
  let rest = parts.slice(i);
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  if (!plural || extra.length > 0) return { type: "unknown" };
  return { type: "resource", path: { group, version, namespace, plural, name, subresource, legacyWatch } };
}
