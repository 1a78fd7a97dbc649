/**
 * Which gateways an ingest process answers for, when several run
 * (`VARDE_INGEST_PARTITION=k/n`, docs/decisions/0012-deployment-shape.md).
 *
 * Aedes has no shared subscriptions ($share), so every ingest process
 * subscribes to `varde/v1/gateways/+/measurements`. The partition is in its
 * MQTT client id (`varde-ingest-k-of-n`): Varde's broker delivers it only the
 * messages of the gateways whose id hashes to k (broker/src/acl.ts), and
 * ingest itself passes over any other (a broker that does not filter, e.g.
 * Mosquitto, still gives one receipt per batch, only without the saving). A
 * gateway always lands on the same process, so its batches stay in order.
 */
export interface IngestPartition {
  /** 0-based index of this process. */
  index: number
  /** How many ingest processes share the gateways. */
  count: number
}

export class PartitionConfigError extends Error {
  readonly code = 'invalid-partition'
  constructor(readonly detail: string) {
    super(`VARDE_INGEST_PARTITION: ${detail}`)
    this.name = 'PartitionConfigError'
  }
}

/** `"k/n"` with 0 ≤ k < n ≤ 64 (1-based `k` would be as plausible; the message says which). */
export function parsePartition(raw: string): IngestPartition {
  const match = /^(\d{1,2})\/(\d{1,2})$/.exec(raw.trim())
  if (!match) throw new PartitionConfigError(`must be k/n, e.g. 0/3 (got ${JSON.stringify(raw.slice(0, 20))})`)
  const index = Number(match[1])
  const count = Number(match[2])
  if (count < 1 || count > 64) throw new PartitionConfigError(`n must be 1 to 64 (got ${count})`)
  if (index >= count) throw new PartitionConfigError(`k counts from 0 and must be below n (got ${index}/${count})`)
  return { index, count }
}

/** FNV-1a (32 bit) of the gateway id, modulo n: stable across processes, restarts and Node versions. */
export function partitionOf(gatewayId: string, count: number): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < gatewayId.length; i++) {
    hash ^= gatewayId.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash % count
}

export function ownsGateway(partition: IngestPartition | undefined, gatewayId: string): boolean {
  return !partition || partition.count === 1 || partitionOf(gatewayId, partition.count) === partition.index
}

/** The persistent session's client id of partition k/n (stable, so a restarted process finds its queue). */
export function partitionClientId(partition: IngestPartition): string {
  return `varde-ingest-${partition.index}-of-${partition.count}`
}

/** The partition a client id names (partitionClientId's form), or undefined: an ingest of all gateways. */
export function partitionOfClientId(clientId: string): IngestPartition | undefined {
  const match = /^varde-ingest-(\d{1,2})-of-(\d{1,2})$/.exec(clientId)
  if (!match) return undefined
  const [index, count] = [Number(match[1]), Number(match[2])]
  return count >= 1 && count <= 64 && index < count ? { index, count } : undefined
}
