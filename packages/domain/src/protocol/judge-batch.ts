import { ProtocolError, type ProtocolErrorCode } from '../errors.js'
import type { GattVital } from '../gatt/characteristic.js'
import { decodeGattBase64 } from '../gatt/decode.js'
import { acceptedUnits, toCanonicalUnit, type CanonicalValue } from '../units.js'
import { isDeviceType, isVitalType, VITAL_TYPES, type VitalType } from '../vital-types.js'
import { parseOffsetDateTime } from './iso-time.js'
import {
  batchEnvelopeSchema,
  decodedReadingFieldsSchema,
  describeIssues,
  gattValueSchema,
  MAX_BATCH_BYTES,
  measurementEnvelopeSchema,
} from './schemas.js'
import { jsonDepthExceeds } from './json-depth.js'
import type { BatchJudgement, JudgeOptions, Reading, ReadingFlag, Rejection } from './types.js'

/** A batch is four levels deep; anything past this is refused before parsing (json-depth.ts). */
const MAX_JSON_DEPTH = 32

/** device-protocol.md "Time": a gateway clock off by more than this is corrected. */
export const CLOCK_SKEW_TOLERANCE_MS = 2 * 60_000
/** device-protocol.md "Receipts" (`future-time`): measuredAt may lead receive time by this much. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000
/** device-protocol.md "Time": older than this on arrival is flagged `late`. */
export const LATE_AFTER_MS = 24 * 60 * 60_000

interface BatchContext {
  receivedAtMs: number
  /** receivedAt − sentAt. */
  clockOffsetMs: number
  isClockAdjusted: boolean
  /** Zone of the gateway's sentAt, used to read GATT time stamps (which carry none). */
  sentAtOffsetMinutes: number
  /** How often each id occurs in the batch. */
  idCounts: Map<string, number>
}

/**
 * Judges one measurement batch as received on `varde/v1/gateways/G/measurements`
 * (device-protocol.md): parses, validates, decodes GATT, converts units, applies
 * clock correction, and returns accepted readings and coded rejections. Pure:
 * never throws, for any payload. `receivedAt` is the platform's clock (a valid Date).
 */
export function judgeBatch(payload: Uint8Array | string, options: JudgeOptions): BatchJudgement {
  const byteLength = typeof payload === 'string' ? utf8ByteLength(payload) : payload.byteLength
  if (byteLength > MAX_BATCH_BYTES) {
    return malformed('too-large', `${byteLength} bytes, over the ${MAX_BATCH_BYTES} byte limit`)
  }
  let text: string
  if (typeof payload === 'string') {
    text = payload.startsWith('\uFEFF') ? payload.slice(1) : payload
  } else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(payload)
    } catch {
      return malformed('malformed-batch', 'payload is not valid UTF-8')
    }
  }
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    return malformed('malformed-batch', `payload nests deeper than ${MAX_JSON_DEPTH} levels`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return malformed('malformed-batch', 'payload is not valid JSON')
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return malformed('malformed-batch', 'payload is not a JSON object')
  }
  const envelope = batchEnvelopeSchema.safeParse(json)
  if (!envelope.success) return malformed('malformed-batch', describeIssues(envelope.error))
  const { batchId, sentAt: sentAtText, measurements } = envelope.data
  // The schema has checked sentAt, so this parses.
  const sentAt = parseOffsetDateTime(sentAtText) ?? { date: new Date(NaN), offsetMinutes: 0 }

  const receivedAtMs = options.receivedAt.getTime()
  const clockOffsetMs = receivedAtMs - sentAt.date.getTime()
  const context: BatchContext = {
    receivedAtMs,
    clockOffsetMs,
    isClockAdjusted: Math.abs(clockOffsetMs) > CLOCK_SKEW_TOLERANCE_MS,
    sentAtOffsetMinutes: sentAt.offsetMinutes,
    idCounts: countIds(measurements),
  }

  const readings: Reading[] = []
  const rejected: Rejection[] = []
  measurements.forEach((raw, index) => {
    const outcome = judgeMeasurement(raw, index, context)
    if (Array.isArray(outcome)) readings.push(...outcome)
    else rejected.push(outcome)
  })
  return {
    ok: true,
    batchId,
    sentAt: sentAt.date,
    clockOffsetMs,
    isClockAdjusted: context.isClockAdjusted,
    readings,
    rejected,
  }
}

/** A vital value in its canonical unit, before time is settled. */
interface CanonicalVital extends CanonicalValue {
  type: VitalType
}

function judgeMeasurement(
  raw: unknown,
  index: number,
  context: BatchContext,
): Reading[] | Rejection {
  const reject = (id: string | null, code: ProtocolErrorCode, detail: string): Rejection => ({
    id,
    code,
    detail,
    raw,
  })
  if (!isPlainObject(raw))
    return reject(null, 'invalid-field', `measurements[${index}] is not an object`)
  const rawId = raw['id']
  if (typeof rawId !== 'string' || rawId === '') {
    return reject(null, 'invalid-field', `measurements[${index}].id must be a non-empty string`)
  }
  const count = context.idCounts.get(rawId) ?? 0
  if (count > 1) {
    return reject(
      rawId,
      'invalid-field',
      `id ${quote(rawId)} occurs ${count} times in the batch; ids must be unique`,
    )
  }
  const envelope = measurementEnvelopeSchema.safeParse(raw)
  if (!envelope.success) return reject(rawId, 'invalid-field', describeIssues(envelope.error))
  const { id, deviceId, measuredAt, battery } = envelope.data

  const hasDecoded = ['type', 'value', 'unit'].some((key) => isPresent(raw, key))
  const hasGatt = isPresent(raw, 'gatt')
  if (hasDecoded && hasGatt) {
    return reject(
      id,
      'invalid-field',
      'has both a decoded reading (type, value, unit) and gatt; send one',
    )
  }
  if (!hasDecoded && !hasGatt) {
    return reject(id, 'invalid-field', 'has neither a decoded reading (type, value, unit) nor gatt')
  }

  let vitals: CanonicalVital[]
  let deviceTimeMs: number | null = null
  if (hasDecoded) {
    const fields = decodedReadingFieldsSchema.safeParse(raw)
    if (!fields.success) return reject(id, 'invalid-field', describeIssues(fields.error))
    const { type, value, unit } = fields.data
    if (!isVitalType(type)) return reject(id, 'unknown-type', `unknown type ${quote(type)}`)
    // a questionnaire score is the patient's own answer (ADR 0042), not one of the protocol's decoded types
    if (!isDeviceType(type)) return reject(id, 'unknown-type', `type ${quote(type)} is patient-reported, not a device type`)
    const canonical = toCanonicalUnit(type, value, unit)
    if (!canonical) {
      return reject(
        id,
        'unit-mismatch',
        `unit ${quote(unit)} is not one of ${acceptedUnits(type).join(', ')} for ${type}`,
      )
    }
    vitals = [{ type, ...canonical }]
  } else {
    const gatt = gattValueSchema.safeParse(raw['gatt'])
    if (!gatt.success) return reject(id, 'invalid-field', describeIssues(gatt.error, 'gatt'))
    try {
      const decoding = decodeGattBase64(gatt.data.characteristic, gatt.data.data)
      vitals = decoding.vitals.map(toCanonicalVital)
      deviceTimeMs = decoding.deviceTimeMs
    } catch (error) {
      if (error instanceof ProtocolError) return reject(id, error.code, error.detail)
      return reject(id, 'gatt-decode', `value could not be decoded: ${String(error)}`)
    }
  }

  // A value outside its plausible range rejects the whole measurement: the
  // readings of one characteristic value stand or fall together.
  for (const vital of vitals) {
    const { min, max } = VITAL_TYPES[vital.type].plausible
    if (!(vital.value >= min && vital.value <= max)) {
      const sent =
        vital.originalUnit === null ? '' : ` (sent ${vital.originalValue} ${vital.originalUnit})`
      return reject(
        id,
        'out-of-range',
        `${vital.type} ${vital.value} ${vital.unit}${sent} outside ${min}–${max}`,
      )
    }
  }

  const flags: ReadingFlag[] = []
  let measuredAtMs: number
  const batchTime = measuredAt == null ? null : parseOffsetDateTime(measuredAt)
  if (batchTime) {
    measuredAtMs = batchTime.date.getTime()
  } else if (deviceTimeMs !== null) {
    measuredAtMs = deviceTimeMs - context.sentAtOffsetMinutes * 60_000
    flags.push('time-from-gatt')
  } else {
    measuredAtMs = context.receivedAtMs
    flags.push('time-from-receipt')
  }
  // the gateway's own time, before the fix below: what a re-send of this measurement would carry again
  const gatewayMeasuredAtMs = flags.includes('time-from-receipt') ? null : measuredAtMs
  // Only gateway-clock times are shifted; the receive time is the platform's own.
  if (context.isClockAdjusted && !flags.includes('time-from-receipt')) {
    measuredAtMs += context.clockOffsetMs
    flags.push('clock-adjusted')
  }
  const isOutOfRange = (ms: number) => !Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS
  if (isOutOfRange(measuredAtMs) || (gatewayMeasuredAtMs !== null && isOutOfRange(gatewayMeasuredAtMs))) {
    return reject(id, 'invalid-field', 'measuredAt is out of the representable time range')
  }
  const leadMs = measuredAtMs - context.receivedAtMs
  if (leadMs > FUTURE_TOLERANCE_MS) {
    const corrected = flags.includes('clock-adjusted') ? ' (after clock correction)' : ''
    return reject(
      id,
      'future-time',
      `measuredAt ${new Date(measuredAtMs).toISOString()}${corrected} is ${formatDuration(leadMs)} after receive time`,
    )
  }
  if (-leadMs > LATE_AFTER_MS) flags.push('late')

  return vitals.map((vital) => ({
    measurementId: id,
    deviceId,
    type: vital.type,
    value: vital.value,
    unit: vital.unit,
    originalValue: vital.originalValue,
    originalUnit: vital.originalUnit,
    measuredAt: new Date(measuredAtMs),
    ...(gatewayMeasuredAtMs === null ? {} : { gatewayMeasuredAt: new Date(gatewayMeasuredAtMs) }),
    flags: [...flags],
    // a whole percent: the store keeps it as one (smallint), and 87.5 there failed the flush (issue 14)
    battery: battery == null ? null : Math.round(battery),
    source: hasGatt ? 'gatt' : 'decoded',
  }))
}

/** ECMAScript's Date range: ±100,000,000 days from the epoch. */
const MAX_DATE_MS = 8.64e15

function toCanonicalVital(vital: GattVital): CanonicalVital {
  const canonical = toCanonicalUnit(vital.type, vital.value, vital.unit)
  if (!canonical) {
    throw new ProtocolError('gatt-decode', `no conversion from ${vital.unit} for ${vital.type}`)
  }
  if (!Number.isFinite(canonical.value)) {
    throw new ProtocolError('gatt-decode', `${vital.type} is not a finite number`)
  }
  return { type: vital.type, ...canonical }
}

function malformed(code: ProtocolErrorCode, detail: string): BatchJudgement {
  return { ok: false, receipt: { batchId: null, error: { code, detail } } }
}

function countIds(measurements: readonly unknown[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const m of measurements) {
    if (!isPlainObject(m)) continue
    const id = m['id']
    if (typeof id === 'string') counts.set(id, (counts.get(id) ?? 0) + 1)
  }
  return counts
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A key counts as sent unless missing or null (many serializers write absent fields as null). */
function isPresent(object: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(object, key) && object[key] !== null && object[key] !== undefined
}

function utf8ByteLength(text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0x80) bytes += 1
    else if (unit < 0x800) bytes += 2
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4
        i++
      } else bytes += 3
    } else bytes += 3
  }
  return bytes
}

/** Echoes a sent string in a detail, cut short: details go into receipts and logs. */
function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text)
}

function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000)
  if (minutes < 120) return `${minutes} min`
  const hours = Math.round(minutes / 60)
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} days`
}
