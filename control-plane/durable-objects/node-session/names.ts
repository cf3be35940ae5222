/** The name of a node's session Durable Object: one per (cluster, node). */
export function nodeSessionName(cluster: string, node: string): string {
  return `${cluster}/${node}`;
}
