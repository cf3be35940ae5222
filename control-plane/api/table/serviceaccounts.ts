// ServiceAccounts: name and age only. Kubernetes 1.35 dropped the SECRETS count (kubernetes#117160):
// nothing has filled `secrets` since token Secrets stopped being generated in 1.24, so the count
// misled more than it told.

import type { KubeObject } from "../../../schemas/object.ts";
import { age } from "./duration.ts";
import { AGE_COLUMN, NAME_COLUMN } from "./format.ts";
import { str } from "./read.ts";
import type { Printer } from "./types.ts";

export const serviceAccountPrinter: Printer = {
  columns: [NAME_COLUMN, AGE_COLUMN],
  print: (sa: KubeObject, now: number) => ({
    cells: [str(sa.metadata.name), age(sa.metadata.creationTimestamp, now)],
  }),
};
