// Keeps the edge router's copy of this cluster's edge table current: after a commit that touched an
// Ingress, Service or EndpointSlice, the table is rebuilt and pushed. A burst of commits (a rollout
// writes slices many times a second) costs one push per PUSH_DELAY_MS, and one push is in flight at
// a time; a change during a push schedules one more, so the router always ends at the newest table.

import type { EdgeTable } from "../../ingress/edge-table.ts";
import type { Change } from "./revision-log.ts";

const EDGE_RESOURCES = new Set(["services", "endpointslices.discovery.k8s.io", "ingresses.networking.k8s.io"]);
const PUSH_DELAY_MS = 20;

/** Whether committed changes alter what the edge routes. */
export function edgeChanged(changes: readonly Change[]): boolean {
  return changes.some((c) => EDGE_RESOURCES.has(c.resource));
}

export class EdgePublisher {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pushing = false;
  private again = false;

  private readonly build: () => EdgeTable;
  private readonly push: (table: EdgeTable) => Promise<void>;
  private readonly keepAlive: (p: Promise<unknown>) => void;

  constructor(
    build: () => EdgeTable,
    push: (table: EdgeTable) => Promise<void>,
    keepAlive: (p: Promise<unknown>) => void,
  ) {
    this.build = build;
    this.push = push;
    this.keepAlive = keepAlive;
  }

  changed(): void {
    if (this.pushing) {
      this.again = true;
      return;
    }
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.send();
    }, PUSH_DELAY_MS);
  }

  private send(): void {
    this.pushing = true;
    const sent = this.push(this.build())
      .catch((err: unknown) => console.error("edge table push failed", err))
      .finally(() => {
        this.pushing = false;
        if (this.again) {
          this.again = false;
          this.changed();
        }
      });
    this.keepAlive(sent);
  }
}
