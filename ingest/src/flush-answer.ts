import {
  buildReceipt, gatewayTopic, INTERNAL_TOPICS, measurementsStoredEvents, measurementsStoredMessages, storedReadingOf,
  syncClockCommand, type MalformedReceipt, type Receipt, type ReadingForEvent,
} from '@varde/domain'
import type { Pending } from './batch-intake.js'
import type { IngestCounters } from './ingest-stats.js'
import type { FlushStoreResult } from './store-flush.js'

/**
 * Answers a stored flush: a receipt per batch (device-protocol.md
 * "Receipts"; only now, after the commit), a clock command to a gateway whose
 * clock was off, and the readings stored on `INTERNAL_TOPICS.measurementsStored`.
 * Returns whether readings were stored (the rules have work).
 */
export function answerFlush(
  pending: readonly Pending[], result: FlushStoreResult, ctx: { publish: (topic: string, payload: string) => void; stats: IngestCounters; now: () => Date },
): boolean {
  const { publish, stats } = ctx
  const publishReceipt = (gatewayId: string, receipt: Receipt | MalformedReceipt) => publish(gatewayTopic(gatewayId, 'receipts'), JSON.stringify(receipt))
  const stored: ReadingForEvent[] = []
  pending.forEach((p, i) => {
    const { store, judgement } = p
    if (!judgement.ok) {
      publishReceipt(store.gatewayId, judgement.receipt)
      return
    }
    const unstorable = result.failed.get(i)
    if (unstorable !== undefined) {
      // kept whole as a rejection (store-flush.ts): each measurement not already rejected is answered so
      stats.unstorable++
      const extraRejected = [...p.extraRejected]
      for (const id of new Set(store.readings.map((r) => r.measurementId))) {
        if (!extraRejected.some((r) => r.id === id)) extraRejected.push({ id, code: 'malformed-batch', detail: unstorable })
      }
      const receipt = buildReceipt(judgement, { extraRejected })
      stats.rejected += receipt.rejected.length
      publishReceipt(store.gatewayId, receipt)
      return
    }
    // a measurement is accepted when a reading of it was stored now, else it is a duplicate (by either
    // key of device-protocol.md "Delivery": stored before, or by an earlier copy in this flush)
    const ids = result.readingIds[i] ?? []
    const storedIds = new Set<string>()
    store.readings.forEach((reading, j) => {
      const id = ids[j] ?? ''
      if (id === '') return
      storedIds.add(reading.measurementId)
      stored.push({ tenantId: store.tenantId ?? '', patientId: store.patientId ?? '', gatewayId: store.gatewayId, reading: storedReadingOf(id, reading) })
    })
    const duplicate = store.readings.map((r) => r.measurementId).filter((id) => !storedIds.has(id))
    const receipt = buildReceipt(judgement, { duplicate, extraRejected: p.extraRejected })
    stats.accepted += receipt.accepted.length
    stats.duplicate += receipt.duplicate.length
    stats.rejected += receipt.rejected.length
    publishReceipt(store.gatewayId, receipt)
    if (judgement.isClockAdjusted) publish(gatewayTopic(store.gatewayId, 'commands'), JSON.stringify(syncClockCommand(ctx.now())))
  })
  for (const message of measurementsStoredMessages(measurementsStoredEvents(stored))) publish(INTERNAL_TOPICS.measurementsStored, message)
  return stored.length > 0
}
