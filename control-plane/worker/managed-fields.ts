// Who a write is attributed to in managedFields: the fieldManager parameter, or (as kube-apiserver
// does when it is absent) the client's User-Agent up to the first slash.

import { ApiError } from "../api/errors.ts";

export function managerOf(fieldManager: string | undefined, userAgent: string | null, apply: boolean): string {
  if (fieldManager) return fieldManager;
  if (apply) {
    throw new ApiError(
      422,
      "Invalid",
      `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`,
      {
        group: "meta.k8s.io",
        kind: "PatchOptions",
        causes: [
          {
            reason: "FieldValueRequired",
            field: "fieldManager",
            message: "Required value: is required for apply patch",
          },
        ],
      },
    );
  }
  const agent = (userAgent ?? "unknown").split("/")[0]!.trim();
  return (agent || "unknown").slice(0, 128);
}
