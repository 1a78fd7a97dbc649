import type { ProtocolErrorCode } from '../errors.js'
import type { VitalType } from '../vital-types.js'
import type { z } from 'zod'
import type { malformedReceiptSchema, receiptSchema } from './schemas.js'

/** Flags on a stored reading (device-protocol.md "Time" and "Measurement batch"). */
export type ReadingFlag =
  /** measuredAt shifted by the batch's clock offset (gateway clock wrong by > 2 min). */
  | 'clock-adjusted'
  /** more than 24 h old on arrival: history, never pages anyone. */
  | 'late'
  /** no measuredAt in the batch nor in the GATT value: receive time used. */
  | 'time-from-receipt'
  /** measuredAt taken from the GATT value's own time stamp. */
  | 'time-from-gatt'

/** One accepted reading, in the canonical unit of its type. */
export interface Reading {
  /** The measurement's `id` within its batch (a GATT value may yield several readings with one id). */
  measurementId: string
  deviceId: string
  type: VitalType
  value: number
  /** Canonical UCUM unit of `type`. */
  unit: string
  /** As sent, when a conversion happened (or GATT's native unit); else null. */
  originalValue: number | null
  originalUnit: string | null
  measuredAt: Date
  /**
   * The measuredAt the batch or the GATT value gave, in the gateway's own
   * clock: `measuredAt` before the clock fix. The second key compares it
   * (device-protocol.md "Delivery, second key"; migration 0039). Absent for a
   * reading timed by its receipt; a reading without it that is not
   * clock-adjusted has it equal to `measuredAt`.
   */
  gatewayMeasuredAt?: Date
  flags: ReadingFlag[]
  /** Device battery %, when sent. */
  battery: number | null
  /** decoded/gatt: from a gateway (device-protocol.md); patient: answered on /min-side (ADR 0042). */
  source: 'decoded' | 'gatt' | 'patient'
}

/** One rejected measurement of a batch; `raw` is the measurement as sent, kept for review. */
export interface Rejection {
  id: string | null
  code: ProtocolErrorCode
  detail: string
  raw: unknown
}

/** device-protocol.md "Receipts"; derived from {@link receiptSchema}. */
export type Receipt = z.infer<typeof receiptSchema>

/** The receipt of a payload that is not a batch; derived from {@link malformedReceiptSchema}. */
export type MalformedReceipt = z.infer<typeof malformedReceiptSchema>

export type BatchJudgement =
  | {
      ok: false
      receipt: MalformedReceipt
    }
  | {
      ok: true
      batchId: string
      sentAt: Date
      /** receivedAt - sentAt in ms; applied to gateway-clock times when |offset| > 2 min. */
      clockOffsetMs: number
      isClockAdjusted: boolean
      /** Readings that passed every check, in batch order. */
      readings: Reading[]
      /** Measurements rejected one by one, with their raw input. */
      rejected: Rejection[]
    }

export interface JudgeOptions {
  receivedAt: Date
}
