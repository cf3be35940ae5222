// ReplicaSets: desired, current and ready counts as numbers.

import type { KubeObject } from "../../../schemas/object.ts";
import { age } from "./duration.ts";
import { AGE_COLUMN, column, containerCells, desiredReplicas, formatLabelSelector, NAME_COLUMN } from "./format.ts";
import { int, rec, str } from "./read.ts";
import type { PrintedRow, Printer } from "./types.ts";

function printReplicaSet(rs: KubeObject, now: number): PrintedRow {
  const spec = rec(rs.spec);
  const status = rec(rs.status);
  const [names, images] = containerCells(rec(rec(spec.template).spec));
  return {
    cells: [
      str(rs.metadata.name),
      desiredReplicas(spec),
      int(status.replicas),
      int(status.readyReplicas),
      age(rs.metadata.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(spec.selector),
    ],
  };
}

export const replicaSetPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    column("Desired", "integer", "Number of desired pods (spec.replicas)."),
    column("Current", "integer", "The most recently observed number of replicas (status.replicas)."),
    column("Ready", "integer", "The number of pods targeted by this ReplicaSet with a Ready condition."),
    AGE_COLUMN,
    column("Containers", "string", "Names of each container in the template.", true),
    column("Images", "string", "Images referenced by each container in the template.", true),
    column("Selector", "string", "Label selector for pods.", true),
  ],
  print: printReplicaSet,
};
