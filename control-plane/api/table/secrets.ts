// Secrets: type and number of data keys; values never appear in a table.

import type { KubeObject } from "../../../schemas/object.ts";
import { age } from "./duration.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "./format.ts";
import { size, str } from "./read.ts";
import type { Printer } from "./types.ts";

export const secretPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    column("Type", "string", "Used to facilitate programmatic handling of secret data."),
    column("Data", "string", "Number of keys in data."),
    AGE_COLUMN,
  ],
  print: (secret: KubeObject, now: number) => ({
    cells: [
      str(secret.metadata.name),
      str(secret.type),
      size(secret.data),
      age(secret.metadata.creationTimestamp, now),
    ],
  }),
};
