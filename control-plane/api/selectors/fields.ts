// Field selectors (`?fieldSelector=`): `f=v`, `f==v`, `f!=v` joined by commas, on the fields each
// resource supports (schemas/registry.ts). Anything else is refused with upstream's message.

import type { KubeObject } from "../../../schemas/object.ts";
import type { ResourceType } from "../../../schemas/registry.ts";
import { badRequest } from "../errors.ts";

export interface FieldRequirement {
  field: string;
  op: "=" | "!=";
  value: string;
}

export type FieldSelector = FieldRequirement[];

const TERM = /^([^=!]+)(==|=|!=)(.*)$/;

/** Upstream's escaping in field selector values: `\,` `\=` `\\`. */
function unescapeValue(value: string): string {
  return value.replace(/\\([,=\\!])/g, "$1");
}

function splitUnescaped(text: string): string[] {
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\" && i + 1 < text.length) {
      cur += c + text[i + 1];
      i++;
    } else if (c === ",") {
      parts.push(cur);
      cur = "";
    } else cur += c;
  }
  parts.push(cur);
  return parts.filter((p) => p.trim().length > 0);
}

export function parseFieldSelector(text: string | null | undefined, resource: ResourceType): FieldSelector {
  if (!text) return [];
  const supported = new Set(["metadata.name", "metadata.namespace", ...resource.fieldSelectors]);
  return splitUnescaped(text).map((term) => {
    const m = TERM.exec(term.trim());
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    const field = m[1]!.trim();
    if (!supported.has(field)) throw badRequest(`field label not supported: ${field}`);
    return { field, op: m[2] === "!=" ? "!=" : "=", value: unescapeValue(m[3]!.trim()) };
  });
}

/** The value of a dotted field path as field selectors compare it (absent fields are ""). */
export function fieldValue(obj: KubeObject, field: string): string {
  if (field === "source" && obj.kind === "Event") {
    const source = obj.source as { component?: string } | undefined;
    return source?.component ?? "";
  }
  let cur: unknown = obj;
  for (const part of field.split(".")) {
    if (typeof cur !== "object" || cur === null) return "";
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return "";
  return typeof cur === "string" ? cur : String(cur);
}

export function matchesFields(selector: FieldSelector, obj: KubeObject): boolean {
  for (const r of selector) {
    const v = fieldValue(obj, r.field);
    if (r.op === "=" ? v !== r.value : v === r.value) return false;
  }
  return true;
}

/** A single `metadata.name=x` requirement, which lets the store read one key instead of scanning. */
export function exactName(selector: FieldSelector): string | undefined {
  return selector.find((r) => r.field === "metadata.name" && r.op === "=")?.value;
}
