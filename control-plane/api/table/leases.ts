// Leases: who holds them (empty when released).

import type { KubeObject } from "../../../schemas/object.ts";
import { age } from "./duration.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "./format.ts";
import { rec, str } from "./read.ts";
import type { Printer } from "./types.ts";

export const leasePrinter: Printer = {
  columns: [
    NAME_COLUMN,
    column("Holder", "string", "The identity of the current holder (spec.holderIdentity)."),
    AGE_COLUMN,
  ],
  print: (lease: KubeObject, now: number) => ({
    cells: [str(lease.metadata.name), str(rec(lease.spec).holderIdentity), age(lease.metadata.creationTimestamp, now)],
  }),
};
