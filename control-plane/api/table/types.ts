// The meta.k8s.io/v1 Table shapes kube-apiserver returns for
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, and the contract every printer meets.

import type { KubeObject, ListMeta, ObjectMeta } from "../../../schemas/object.ts";

/** The `includeObject` query parameter: what each row carries in `object`. */
export type IncludeObject = "None" | "Metadata" | "Object";

/** OpenAPI type of a column; kubectl prints `date` cells verbatim instead of as an age. */
export type ColumnType = "string" | "integer" | "number" | "boolean" | "date";

export interface TableColumnDefinition {
  name: string;
  type: ColumnType;
  /** "name" marks the column holding the object's name; empty otherwise (always serialized). */
  format: string;
  description: string;
  /** 0 = always shown; 1 = only with `-o wide`. kubectl does the filtering, so every row carries every cell. */
  priority: number;
}

/** Cells are JSON scalars: counts are numbers even under a `string` column, as upstream's int64 cells are. */
export type TableCell = string | number | boolean;

export interface TableRowCondition {
  type: "Completed";
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
}

export interface PartialObjectMetadata {
  kind: "PartialObjectMetadata";
  apiVersion: "meta.k8s.io/v1";
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
  object?: PartialObjectMetadata | KubeObject;
}

export interface Table {
  kind: "Table";
  apiVersion: "meta.k8s.io/v1";
  metadata: ListMeta;
  /** Left out on watch events after the first, as kube-apiserver does. */
  columnDefinitions?: TableColumnDefinition[];
  rows: TableRow[];
}

/** What a printer makes of one object: its cells (one per column) and optional row conditions. */
export interface PrintedRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
}

/**
 * Turns objects of one resource into rows. `now` is passed in (ms since the epoch) so ages are
 * deterministic in tests and consistent across the rows of one response.
 */
export interface Printer {
  columns: readonly TableColumnDefinition[];
  print(obj: KubeObject, now: number): PrintedRow;
}
