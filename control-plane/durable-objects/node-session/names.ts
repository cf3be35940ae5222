/** The name of a node's session Durable Object: one per (cluster, node). */
export function nodeSessionName(cluster: string, node: string): string {
  return `${cluster}/${node}`;
}

/** How often an agent sends keepalives (NODE_KEEPALIVE_SECONDS) when nothing says otherwise. */
export const DEFAULT_KEEPALIVE_SECONDS = 10;
