/**
 * The partition of a routing key: FNV-1a over its UTF-16 code units, modulo the partition count.
 * Stable across nodes and versions, since ownership and ordering depend on it.
 */
export function partitionOf(routingKey: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < routingKey.length; i++) {
    hash ^= routingKey.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}

/** The default routing key of a Command type: the sorted set of services it calls. */
export function routingKeyOf(services: readonly string[]): string {
  return [...new Set(services)].sort().join(',');
}
