// Deployments: READY is ready/desired, the rest are bare counts (numbers in the JSON, as upstream's
// int64 cells are).

import type { KubeObject } from "../../../schemas/object.ts";
import { age } from "./duration.ts";
import { AGE_COLUMN, column, containerCells, desiredReplicas, labelSelectorString, NAME_COLUMN } from "./format.ts";
import { int, rec, str } from "./read.ts";
import type { PrintedRow, Printer } from "./types.ts";

function printDeployment(d: KubeObject, now: number): PrintedRow {
  const spec = rec(d.spec);
  const status = rec(d.status);
  const [names, images] = containerCells(rec(rec(spec.template).spec));
  // Unlike ReplicaSets, upstream prints a Deployment's selector without the <none> substitute.
  const selector = labelSelectorString(spec.selector) ?? "<invalid>";
  return {
    cells: [
      str(d.metadata.name),
      `${int(status.readyReplicas)}/${desiredReplicas(spec)}`,
      int(status.updatedReplicas),
      int(status.availableReplicas),
      age(d.metadata.creationTimestamp, now),
      names,
      images,
      selector,
    ],
  };
}

export const deploymentPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    column("Ready", "string", "Number of the pod with ready state"),
    column(
      "Up-to-date",
      "string",
      "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
    ),
    column(
      "Available",
      "string",
      "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
    ),
    AGE_COLUMN,
    column("Containers", "string", "Names of each container in the template.", true),
    column("Images", "string", "Images referenced by each container in the template.", true),
    column("Selector", "string", "Label selector for pods.", true),
  ],
  print: printDeployment,
};
