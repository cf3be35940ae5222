// Any resource without a dedicated printer gets kube-apiserver's default table: the name and the
// creation time as an RFC 3339 `date` cell, which kubectl prints verbatim (not as an age).

import type { KubeObject } from "../../../schemas/object.ts";
import { parseTime } from "./duration.ts";
import { NAME_COLUMN } from "./format.ts";
import { str } from "./read.ts";
import type { Printer } from "./types.ts";

/** Go's zero time, which upstream prints for an object without a creationTimestamp. */
const ZERO_TIME = "0001-01-01T00:00:00Z";

/** time.RFC3339 in UTC: whole seconds, `Z` suffix. */
export function rfc3339(timestamp: unknown): string {
  const ms = parseTime(timestamp);
  if (ms === undefined) return ZERO_TIME;
  const d = new Date(Math.floor(ms / 1000) * 1000);
  return Number.isNaN(d.getTime()) ? ZERO_TIME : d.toISOString().replace(".000Z", "Z");
}

export const defaultPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    {
      name: "Created At",
      type: "date",
      format: "",
      description: "CreationTimestamp: the server time when this object was created, in RFC 3339 form, UTC.",
      priority: 0,
    },
  ],
  print: (obj: KubeObject) => ({ cells: [str(obj.metadata.name), rfc3339(obj.metadata.creationTimestamp)] }),
};
