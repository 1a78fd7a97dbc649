import type { BatchToStore, GatewayContext } from '@varde/db'
import { judgeBatch, MAX_BATCH_BYTES, type BatchJudgement, type Receipt } from '@varde/domain'

/** A batch judged and waiting in the buffer for its flush. */
export interface Pending {
  store: BatchToStore
  judgement: BatchJudgement
  /** Readings refused here (device not paired, gateway unassigned): answered as rejected. */
  extraRejected: Receipt['rejected']
  /** The payload as received, kept whole should the batch not be storable. */
  payload: Buffer
}

/** Readings a pending batch holds for the buffer's bounds (a batch without readings counts as one). */
export const readingsOf = (p: Pending): number => Math.max(1, p.store.readings.length)
export const bufferedCount = (pending: readonly Pending[]): number => pending.reduce((n, p) => n + readingsOf(p), 0)

/**
 * A measurements message, judged (`@varde/domain` judgeBatch) and made ready
 * to store: what is stored, what is rejected (kept raw for review), and what
 * the receipt will say. Pure: the gateway's context is looked up before.
 */
export function takeBatch(gatewayId: string, payload: Buffer, ctx: GatewayContext | null, receivedAt: Date): Pending {
  const judgement: BatchJudgement =
    payload.length > MAX_BATCH_BYTES
      ? { ok: false, receipt: { batchId: null, error: { code: 'too-large', detail: `batch of ${payload.length} bytes exceeds ${MAX_BATCH_BYTES}` } } }
      : judgeBatch(payload, { receivedAt })
  const store: BatchToStore = {
    gatewayId, tenantId: ctx?.tenantId ?? null, patientId: ctx?.patientId ?? null,
    batchId: judgement.ok ? judgement.batchId : null, receivedAt, readings: [], rejections: [],
    ...(ctx ? { conditions: ctx.conditions } : {}),
  }
  const extraRejected: Receipt['rejected'] = []
  if (!judgement.ok) {
    // the bytes: kept as text if the database can hold them, else as base64 (storeBatches)
    store.rawPayload = payload
    store.rejections.push({ id: null, code: judgement.receipt.error.code, detail: judgement.receipt.error.detail, raw: payload })
  } else {
    store.rejections.push(...judgement.rejected)
    for (const reading of judgement.readings) {
      const problem = !ctx?.patientId
        ? 'gateway is not assigned to a patient'
        : ctx.requiresDevicePairing && !ctx.pairedDeviceIds.has(reading.deviceId)
          ? `device ${reading.deviceId} is not paired to this gateway's patient`
          : null
      if (problem) {
        if (!extraRejected.some((r) => r.id === reading.measurementId)) {
          extraRejected.push({ id: reading.measurementId, code: 'unknown-device', detail: problem })
          store.rejections.push({ id: reading.measurementId, code: 'unknown-device', detail: problem, raw: reading })
        }
      } else store.readings.push(reading)
    }
  }
  return { store, judgement, extraRejected, payload }
}

/** A batch the database could not store, as a rejection of the whole, its payload kept for review. */
export function unstorableRejection(p: Pending, detail: string): BatchToStore {
  return {
    gatewayId: p.store.gatewayId, tenantId: p.store.tenantId, patientId: p.store.patientId, batchId: p.store.batchId,
    receivedAt: p.store.receivedAt, readings: [], rejections: [{ id: null, code: 'malformed-batch', detail, raw: p.payload }],
  }
}
