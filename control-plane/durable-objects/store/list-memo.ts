// Lists kept in memory until their resource is next written. Controllers map every committed
// change to keys by reading a few small lists (the Services of a pod's namespace, whose selectors
// may match it; the ReplicaSets that might adopt it); reading them from SQLite for each of 200 pod
// writes a second cost more than the writes themselves. The store drops a resource's lists as it
// appends a write of that resource, inside the transaction, and all of them when one rolls back.

import type { KubeObject } from "../../../schemas/object.ts";

/** Namespaces remembered per resource before its lists are dropped wholesale (memory bound). */
const MAX_NAMESPACES = 1000;

export class ListMemo {
  private readonly lists = new Map<string, Map<string, readonly KubeObject[]>>();

  /** The list of `resource` in `namespace` (a key the caller chooses), loaded once until a write. */
  get(resource: string, namespace: string, load: () => KubeObject[]): readonly KubeObject[] {
    let byNamespace = this.lists.get(resource);
    const cached = byNamespace?.get(namespace);
    if (cached) return cached;
    const items = load();
    if (!byNamespace || byNamespace.size >= MAX_NAMESPACES) {
      byNamespace = new Map();
      this.lists.set(resource, byNamespace);
    }
    byNamespace.set(namespace, items);
    return items;
  }

  /** A write of `resource` is being appended. */
  invalidate(resource: string): void {
    this.lists.delete(resource);
  }

  /** A transaction rolled back: what was loaded inside it may show writes that never happened. */
  clear(): void {
    this.lists.clear();
  }
}
