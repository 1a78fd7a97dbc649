import { randomUUID } from 'node:crypto'
import { isPossiblyRed, isStorableText, toStorableText, type ConditionId, type Reading, type Rejection } from '@varde/domain'
import type { Queryable } from './pool.js'

/** One judged batch, ready to store: its readings and its rejections. */
export interface BatchToStore {
  gatewayId: string
  tenantId: string | null
  patientId: string | null
  batchId: string | null
  receivedAt: Date
  readings: Reading[]
  rejections: Rejection[]
  /** Raw payload kept when the batch as a whole was rejected (malformed): its bytes, or text. */
  rawPayload?: Uint8Array | string
  /** The patient's conditions, for judging which readings may be red (`isPossiblyRed`); unknown: any profile's. */
  conditions?: readonly ConditionId[]
}

export interface StoredKey {
  gatewayId: string
  batchId: string
  measurementId: string
}

export const keyOf = (gatewayId: string, batchId: string, measurementId: string): string =>
  `${gatewayId}\u0000${batchId}\u0000${measurementId}`

/**
 * The time the second key compares (device-protocol.md "Delivery, second
 * key"; migration 0039): the measuredAt the gateway gave, before the clock
 * fix, so a re-send under another clock offset still matches and distinct
 * readings the fix moved to one receive instant do not. Null for a reading
 * timed by its receipt (two alike may be two measurements), and for a
 * clock-adjusted one whose gateway time is not known.
 */
export function gatewayTimeOf(x: Reading): Date | null {
  if (x.flags.includes('time-from-receipt')) return null
  if (x.gatewayMeasuredAt) return x.gatewayMeasuredAt
  return x.flags.includes('clock-adjusted') ? null : x.measuredAt
}

/** The second key of a reading (measurement_second_keys, migration 0039), or null when it has none. */
const secondKeyOf = (patientId: string, x: Reading): string | null => {
  const at = gatewayTimeOf(x)
  return at === null ? null : `${patientId}\u0000${x.deviceId}\u0000${x.type}\u0000${at.getTime()}\u0000${x.value}`
}

/**
 * Stores many batches in ONE statement, a call of `varde_store_batches`
 * (migration 0039; atomic on the embedded database too): the idempotency
 * keys, the readings of measurements whose key is new and that are not
 * stored already under another key (the second key: same patient, device,
 * type, value and the gateway's measured time, `gatewayTimeOf`), the rejections with their raw input, the
 * devices seen, the gateways' last-seen time, and the patients for the rules,
 * those with a possibly red reading marked urgent.
 *
 * Returns the id of each reading stored now, parallel to
 * `batches[i].readings`, '' for a reading not stored (a duplicate by either
 * key: stored before, or by an earlier batch or reading of the same call,
 * whose copy is the one stored), and the keys (gateway, batchId, id) of
 * measurements with a reading stored now (`newKeys`; a measurement not among
 * them is a duplicate).
 */
export async function storeBatches(db: Queryable, batches: BatchToStore[]): Promise<StoreResult> {
  const readingIds: string[][] = []
  const r = {
    id: [] as string[], gw: [] as string[], tenant: [] as string[], patient: [] as string[], batch: [] as string[], mid: [] as string[],
    device: [] as string[], type: [] as string[], value: [] as number[], unit: [] as string[],
    ov: [] as (number | null)[], ou: [] as (string | null)[], at: [] as Date[], recv: [] as Date[],
    flags: [] as string[], source: [] as string[], battery: [] as (number | null)[], urgent: [] as boolean[],
    gatewayAt: [] as (Date | null)[],
  }
  const j = {
    tenant: [] as (string | null)[], gw: [] as string[], batch: [] as (string | null)[], mid: [] as (string | null)[],
    code: [] as string[], detail: [] as string[], raw: [] as string[], recv: [] as Date[], encoding: [] as RawEncoding[],
  }
  const reject = (b: BatchToStore, id: string | null, code: string, detail: string, raw: unknown) => {
    const kept = rawForStore(raw)
    // what a gateway sent may hold what text cannot (a NUL): written as a JSON escape here, exact in `raw`
    j.tenant.push(b.tenantId); j.gw.push(b.gatewayId); j.batch.push(b.batchId === null ? null : toStorableText(b.batchId))
    j.mid.push(id === null ? null : toStorableText(id)); j.code.push(code); j.detail.push(toStorableText(detail))
    j.raw.push(kept.text); j.encoding.push(kept.encoding); j.recv.push(b.receivedAt)
  }
  const seen = new Set<string>()
  // the keys of the input given by an earlier batch or reading of this call
  const callKeys = new Set<string>()
  const callSecondKeys = new Set<string>()
  for (const b of batches) {
    seen.add(b.gatewayId)
    const ids: string[] = []
    readingIds.push(ids)
    if (b.tenantId && b.patientId && b.batchId !== null) {
      // a key already given by an earlier batch of the call (a re-sent batch in the same flush) brings
      // no readings: the statement can tell a key stored before from a new one, not two copies of one
      // (so a re-sent batch's copy, or the same reading twice, comes back '' and is stored once, as the first)
      const ownKeys = new Set<string>()
      for (const x of b.readings) {
        const key = keyOf(b.gatewayId, b.batchId, x.measurementId)
        const secondKey = secondKeyOf(b.patientId, x)
        if ((callKeys.has(key) && !ownKeys.has(key)) || (secondKey !== null && callSecondKeys.has(secondKey))) {
          ids.push('')
          continue
        }
        ownKeys.add(key)
        callKeys.add(key)
        if (secondKey !== null) callSecondKeys.add(secondKey)
        const id = randomUUID()
        ids.push(id)
        r.id.push(id); r.gw.push(b.gatewayId); r.tenant.push(b.tenantId); r.patient.push(b.patientId); r.batch.push(b.batchId)
        r.mid.push(x.measurementId); r.device.push(x.deviceId); r.type.push(x.type); r.value.push(x.value)
        r.unit.push(x.unit); r.ov.push(x.originalValue); r.ou.push(x.originalUnit); r.at.push(x.measuredAt)
        r.recv.push(b.receivedAt); r.flags.push(x.flags.join(',')); r.source.push(x.source); r.battery.push(x.battery)
        r.urgent.push(isPossiblyRed(x, b.receivedAt, b.conditions)); r.gatewayAt.push(gatewayTimeOf(x))
      }
    }
    for (const x of b.rejections) reject(b, x.id, x.code, x.detail, x.raw)
    if (b.rawPayload !== undefined && b.rejections.length === 0) reject(b, null, 'malformed-batch', 'batch rejected as a whole', b.rawPayload)
  }
  const params = [
    r.gw, r.tenant, r.patient, r.batch, r.mid, r.device, r.type, r.value, r.unit, r.ov, r.ou, r.at, r.recv,
    r.flags, r.source, r.battery,
    j.tenant, j.gw, j.batch, j.mid, j.code, j.detail, j.raw, j.recv,
    [...seen], r.id, r.urgent, j.encoding, r.gatewayAt,
  ]
  const { rows } = await db.query<{ reading_id: string }>(STORE_STATEMENT, params)
  // the readings not stored (duplicates by either key) come back; rare, so a set of them
  const notStored = new Set(rows.map((x) => x.reading_id))
  const newKeys = new Set<string>()
  batches.forEach((b, i) => {
    const ids = readingIds[i] ?? []
    b.readings.forEach((x, k) => {
      if (ids[k] === '' || notStored.has(ids[k] ?? '')) ids[k] = ''
      else if (b.batchId !== null) newKeys.add(keyOf(b.gatewayId, b.batchId, x.measurementId))
    })
  })
  return { newKeys, readingIds }
}

export interface StoreResult {
  /** Keys (gateway, batchId, id) of the measurements with a reading stored by this call. */
  newKeys: Set<string>
  /** Per batch, per reading: the id it was stored under, '' when it was not stored (a duplicate). */
  readingIds: string[][]
}

const STORE_STATEMENT =
  `SELECT reading_id FROM varde_store_batches($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::text[], $10::float8[], $11::text[], $12::timestamptz[], $13::timestamptz[], $14::text[], $15::text[], $16::smallint[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $22::text[], $23::text[], $24::timestamptz[], $25::text[], $26::uuid[], $27::boolean[], $28::text[], $29::timestamptz[])`

type RawEncoding = 'text' | 'base64'

/**
 * The raw input of a rejection as the rejections table holds it (migration
 * 0008): text when the database can hold it, else base64 of the bytes (a
 * payload that is not UTF-8 or has a NUL byte). A parsed value is kept as
 * its JSON, in which NUL and lone surrogates are escapes.
 */
function rawForStore(raw: unknown): { text: string; encoding: RawEncoding } {
  if (raw instanceof Uint8Array) {
    const text = decodeUtf8(raw)
    if (text !== null && isStorableText(text)) return { text, encoding: 'text' }
    return { text: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64'), encoding: 'base64' }
  }
  if (typeof raw === 'string') {
    return isStorableText(raw) ? { text: raw, encoding: 'text' } : { text: Buffer.from(raw, 'utf8').toString('base64'), encoding: 'base64' }
  }
  let json: string | undefined
  try {
    json = JSON.stringify(raw)
  } catch {
    json = undefined
  }
  if (json !== undefined) return { text: json, encoding: 'text' }
  try {
    return { text: toStorableText(String(raw)), encoding: 'text' }
  } catch {
    // a value too deep to walk (the edge refuses those, json-depth.ts): kept as a note rather than never stored
    return { text: '(a value that could not be written out)', encoding: 'text' }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })
function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes)
  } catch {
    return null
  }
}

export interface StoredMeasurement {
  id: string
  patientId: string
  gatewayId: string
  deviceId: string
  type: string
  value: number
  unit: string
  measuredAt: Date
  flags: string[]
}

export interface MeasurementQuery {
  tenantId: string
  patientId: string
  types?: string[]
  from?: Date
  to?: Date
  /** Keyset cursor: strictly after (measuredAt, id). */
  after?: { measuredAt: Date; id: string }
  limit: number
  order?: 'asc' | 'desc'
}

export async function listMeasurements(db: Queryable, q: MeasurementQuery): Promise<StoredMeasurement[]> {
  const asc = (q.order ?? 'asc') === 'asc'
  const { rows } = await db.query<{
    id: string; patient_id: string; gateway_id: string; device_id: string; type: string; value: number; unit: string
    measured_at: Date; flags: string[]
  }>(
    `SELECT id, patient_id, gateway_id, device_id, type, value, unit, measured_at, flags
       FROM measurements
      WHERE tenant_id = $1 AND patient_id = $2
        AND ($3::text[] IS NULL OR type = ANY($3))
        AND ($4::timestamptz IS NULL OR measured_at >= $4)
        AND ($5::timestamptz IS NULL OR measured_at <= $5)
        AND ($6::timestamptz IS NULL OR (measured_at, id) ${asc ? '>' : '<'} ($6, $7::uuid))
      ORDER BY measured_at ${asc ? 'ASC' : 'DESC'}, id ${asc ? 'ASC' : 'DESC'}
      LIMIT $8`,
    [q.tenantId, q.patientId, q.types?.length ? q.types : null, q.from ?? null, q.to ?? null,
      q.after?.measuredAt ?? null, q.after?.id ?? null, q.limit],
  )
  return rows.map((x) => ({
    id: x.id, patientId: x.patient_id, gatewayId: x.gateway_id, deviceId: x.device_id, type: x.type,
    value: x.value, unit: x.unit, measuredAt: x.measured_at, flags: x.flags,
  }))
}

export async function countMeasurements(db: Queryable, filter: { gatewayId?: string } = {}): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM measurements WHERE ($1::text IS NULL OR gateway_id = $1)',
    [filter.gatewayId ?? null],
  )
  return rows[0]?.n ?? 0
}

export interface StoredRejection {
  id: number
  gatewayId: string
  batchId: string | null
  measurementId: string | null
  code: string
  detail: string
  raw: string
  /** How `raw` is written: the input as text, or base64 of its bytes (migration 0008). */
  rawEncoding: RawEncoding
  receivedAt: Date
}

export async function listRejections(db: Queryable, q: { gatewayId?: string; tenantId?: string; limit: number }): Promise<StoredRejection[]> {
  const { rows } = await db.query<{
    id: string; gateway_id: string; batch_id: string | null; measurement_id: string | null; code: string; detail: string
    raw: string; raw_encoding: RawEncoding; received_at: Date
  }>(
    `SELECT id, gateway_id, batch_id, measurement_id, code, detail, raw, raw_encoding, received_at FROM rejections
      WHERE ($1::text IS NULL OR gateway_id = $1) AND ($2::text IS NULL OR tenant_id = $2)
      ORDER BY id DESC LIMIT $3`,
    [q.gatewayId ?? null, q.tenantId ?? null, q.limit],
  )
  return rows.map((x) => ({
    id: Number(x.id), gatewayId: x.gateway_id, batchId: x.batch_id, measurementId: x.measurement_id, code: x.code,
    detail: x.detail, raw: x.raw, rawEncoding: x.raw_encoding, receivedAt: x.received_at,
  }))
}
