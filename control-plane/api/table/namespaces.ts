// Namespaces: the phase (Active / Terminating) and age.

import type { KubeObject } from "../../../schemas/object.ts";
import { age } from "./duration.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "./format.ts";
import { rec, str } from "./read.ts";
import type { Printer } from "./types.ts";

export const namespacePrinter: Printer = {
  columns: [NAME_COLUMN, column("Status", "string", "The status of the namespace"), AGE_COLUMN],
  print: (ns: KubeObject, now: number) => ({
    cells: [str(ns.metadata.name), str(rec(ns.status).phase), age(ns.metadata.creationTimestamp, now)],
  }),
};
