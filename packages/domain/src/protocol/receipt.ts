import type { BatchJudgement, Receipt } from './types.js'
import type { Command } from './schemas.js'

type AcceptedJudgement = Extract<BatchJudgement, { ok: true }>

/**
 * The receipt of a judged batch (device-protocol.md "Receipts"), once it is
 * durably stored. `duplicate` lists the measurement ids already stored by an
 * earlier delivery of the same batch (idempotency key gateway, batchId, id);
 * `extraRejected` carries checks made outside the domain (e.g. `unknown-device`).
 * Every measurement id lands in exactly one list.
 */
export function buildReceipt(
  judgement: AcceptedJudgement,
  options: { duplicate?: Iterable<string>; extraRejected?: Receipt['rejected'] } = {},
): Receipt {
  const duplicate = new Set(options.duplicate ?? [])
  const extraRejected = options.extraRejected ?? []
  const rejectedIds = new Set(extraRejected.map((r) => r.id))
  // Several readings may share one measurement id; a Set keeps first-seen order.
  const accepted = new Set<string>()
  const duplicates = new Set<string>()
  for (const { measurementId: id } of judgement.readings) {
    if (rejectedIds.has(id)) continue
    if (duplicate.has(id)) duplicates.add(id)
    else accepted.add(id)
  }
  return {
    batchId: judgement.batchId,
    accepted: [...accepted],
    duplicate: [...duplicates],
    rejected: [
      ...judgement.rejected.map(({ id, code, detail }) => ({ id, code, detail })),
      ...extraRejected,
    ],
  }
}

/** device-protocol.md "Time": sent to a gateway whose clock is off by more than 2 minutes. */
export function syncClockCommand(now: Date): Command {
  return { command: 'sync-clock', now: now.toISOString() }
}
