// Server-side Table output (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`): which printer
// serves each resource, and the Table envelope around its rows. Pure: the Worker picks the
// resource, lists the objects, supplies the clock, and serializes the result.

import { isRecord, type KubeObject, type ListMeta, type ObjectMeta } from "../../../schemas/object.ts";
import { type ResourceType, storageResource } from "../../../schemas/registry.ts";
import { configMapPrinter } from "./configmaps.ts";
import { defaultPrinter } from "./default.ts";
import { deploymentPrinter } from "./deployments.ts";
import { endpointSlicePrinter, endpointsPrinter } from "./endpoints.ts";
import { eventPrinter } from "./events.ts";
import { ingressClassPrinter, ingressPrinter } from "./ingresses.ts";
import { leasePrinter } from "./leases.ts";
import { namespacePrinter } from "./namespaces.ts";
import { nodePrinter } from "./nodes.ts";
import { podPrinter } from "./pods.ts";
import { roleBindingPrinter, rolePrinter } from "./rbac.ts";
import { replicaSetPrinter } from "./replicasets.ts";
import { runtimeClassPrinter } from "./runtimeclasses.ts";
import { secretPrinter } from "./secrets.ts";
import { serviceAccountPrinter } from "./serviceaccounts.ts";
import { servicePrinter } from "./services.ts";
import type { IncludeObject, PartialObjectMetadata, Printer, Table, TableRow } from "./types.ts";

export { humanDuration, shortHumanDuration } from "./duration.ts";
export type * from "./types.ts";

/**
 * Printers by storage resource (schemas/registry.ts `storageResource`), so core/v1 and
 * events.k8s.io/v1 Events share one printer as they share one table upstream.
 */
const PRINTERS: ReadonlyMap<string, Printer> = new Map([
  ["pods", podPrinter],
  ["services", servicePrinter],
  ["nodes", nodePrinter],
  ["namespaces", namespacePrinter],
  ["events", eventPrinter],
  ["configmaps", configMapPrinter],
  ["endpoints", endpointsPrinter],
  ["endpointslices.discovery.k8s.io", endpointSlicePrinter],
  ["secrets", secretPrinter],
  ["serviceaccounts", serviceAccountPrinter],
  ["deployments.apps", deploymentPrinter],
  ["replicasets.apps", replicaSetPrinter],
  ["leases.coordination.k8s.io", leasePrinter],
  ["runtimeclasses.node.k8s.io", runtimeClassPrinter],
  ["ingresses.networking.k8s.io", ingressPrinter],
  ["ingressclasses.networking.k8s.io", ingressClassPrinter],
  ["roles.rbac.authorization.k8s.io", rolePrinter],
  ["clusterroles.rbac.authorization.k8s.io", rolePrinter],
  ["rolebindings.rbac.authorization.k8s.io", roleBindingPrinter],
  ["clusterrolebindings.rbac.authorization.k8s.io", roleBindingPrinter],
]);

/** The printer for a resource; Name + Created At for any resource without its own. */
export function printerFor(resource: Pick<ResourceType, "group" | "plural">): Printer {
  return PRINTERS.get(storageResource(resource)) ?? defaultPrinter;
}

export interface TableOptions {
  /** The `includeObject` query parameter; kube-apiserver's default is Metadata. */
  includeObject: IncludeObject;
  /** ms since the epoch: the instant every Age is measured from. */
  now: number;
  /** The list's metadata (resourceVersion, continue, remainingItemCount), for list responses. */
  listMeta?: ListMeta;
  /** false on watch events after the first: kube-apiserver sends the column definitions once. */
  withColumns?: boolean;
}

/**
 * The object metadata kubectl needs for `-A` (namespace), `--show-labels` and `-L`, minus
 * managedFields, which are large and which no table consumer reads.
 */
export function partialObjectMetadata(obj: KubeObject): PartialObjectMetadata {
  const { managedFields: _dropped, ...metadata }: ObjectMeta = isRecord(obj.metadata) ? obj.metadata : {};
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata };
}

function rvOf(obj: KubeObject | undefined): string | undefined {
  const rv = isRecord(obj?.metadata) ? obj.metadata.resourceVersion : undefined;
  return typeof rv === "string" ? rv : undefined;
}

/**
 * Upstream's table metadata: the list's metadata for a list, the object's resourceVersion for a
 * single object (a GET or a watch event), nothing otherwise. Unset fields are left out.
 */
function tableMeta(objects: readonly KubeObject[], listMeta: ListMeta | undefined): ListMeta {
  const source: ListMeta = listMeta ?? (objects.length === 1 ? { resourceVersion: rvOf(objects[0]) } : {});
  const meta: ListMeta = {};
  if (source.resourceVersion !== undefined) meta.resourceVersion = source.resourceVersion;
  if (source.continue) meta.continue = source.continue;
  if (source.remainingItemCount !== undefined) meta.remainingItemCount = source.remainingItemCount;
  return meta;
}

export function toTable(resource: ResourceType, objects: readonly KubeObject[], opts: TableOptions): Table {
  const printer = printerFor(resource);
  const rows = objects.map((obj): TableRow => {
    // Printers read metadata directly; give them an empty one rather than a TypeError on junk.
    const printed = printer.print(isRecord(obj.metadata) ? obj : { ...obj, metadata: {} }, opts.now);
    const row: TableRow = { cells: printed.cells };
    if (printed.conditions) row.conditions = printed.conditions;
    if (opts.includeObject === "Metadata") row.object = partialObjectMetadata(obj);
    else if (opts.includeObject === "Object") row.object = obj;
    return row;
  });
  // Copies of the definitions, so a caller that edits the table cannot corrupt the printer.
  const columns = opts.withColumns === false ? {} : { columnDefinitions: printer.columns.map((c) => ({ ...c })) };
  return { kind: "Table", apiVersion: "meta.k8s.io/v1", metadata: tableMeta(objects, opts.listMeta), ...columns, rows };
}
