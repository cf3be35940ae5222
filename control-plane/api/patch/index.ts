// The PATCH dialects and field management, as pure functions over plain JSON objects.

export {
  applyPatch,
  mediaTypeOf,
  type PatchContext,
  type PatchOutcome,
  type PatchType,
  patchTypes,
} from "./apply-patch.ts";
export { applyJsonPatch } from "./json-patch.ts";
export { type RecordUpdateInput, recordUpdate } from "./managed-fields.ts";
export { applyMergePatch, mergePatchValue } from "./merge-patch.ts";
export { type FieldMeta, patchMetaFor } from "./patch-meta.ts";
export { type ApplyInput, type ApplyResult, applyServerSide } from "./server-side-apply.ts";
export { applyStrategicMergePatch, strategicMergeMap } from "./strategic-merge.ts";
