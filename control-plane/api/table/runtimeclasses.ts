// RuntimeClasses: the handler the node's runtime dispatches on (for kflare: runc or wasm).

import type { KubeObject } from "../../../schemas/object.ts";
import { age } from "./duration.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "./format.ts";
import { str } from "./read.ts";
import type { Printer } from "./types.ts";

export const runtimeClassPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    column("Handler", "string", "The underlying runtime and configuration (handler)."),
    AGE_COLUMN,
  ],
  print: (rc: KubeObject, now: number) => ({
    cells: [str(rc.metadata.name), str(rc.handler), age(rc.metadata.creationTimestamp, now)],
  }),
};
