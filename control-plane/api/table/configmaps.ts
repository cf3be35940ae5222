// ConfigMaps: DATA counts text and binary keys together.

import type { KubeObject } from "../../../schemas/object.ts";
import { age } from "./duration.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "./format.ts";
import { size, str } from "./read.ts";
import type { Printer } from "./types.ts";

export const configMapPrinter: Printer = {
  columns: [NAME_COLUMN, column("Data", "string", "Number of keys in data and binaryData."), AGE_COLUMN],
  print: (cm: KubeObject, now: number) => ({
    cells: [str(cm.metadata.name), size(cm.data) + size(cm.binaryData), age(cm.metadata.creationTimestamp, now)],
  }),
};
