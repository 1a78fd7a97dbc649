import { randomUUID } from 'node:crypto'
import { isPossiblyRed, type ConditionId, type Reading, type Rejection } from '@varde/domain'
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
  /** Raw payload kept when the batch as a whole was rejected (malformed). */
  rawPayload?: string
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
 * Stores many batches in ONE statement, a call of `varde_store_batches`
 * (migration 0005; atomic on the embedded database too): the idempotency
 * keys, the readings of measurements whose key is new, the rejections with
 * their raw input, the devices seen, the gateways' last-seen time, and the
 * patients for the rules, those with a possibly red reading marked urgent. Returns the keys that were new (a measurement of
 * the input whose key is not among them was stored before: a duplicate) and
 * the id given to each reading, parallel to `batches[i].readings` (a batch
 * whose keys an earlier batch of the same call already gave gets '' for
 * those: they are stored once, as the first copy's readings).
 */
export async function storeBatches(db: Queryable, batches: BatchToStore[]): Promise<StoreResult> {
  const readingIds: string[][] = []
  const r = {
    id: [] as string[], gw: [] as string[], tenant: [] as string[], patient: [] as string[], batch: [] as string[], mid: [] as string[],
    device: [] as string[], type: [] as string[], value: [] as number[], unit: [] as string[],
    ov: [] as (number | null)[], ou: [] as (string | null)[], at: [] as Date[], recv: [] as Date[],
    flags: [] as string[], source: [] as string[], battery: [] as (number | null)[], urgent: [] as boolean[],
  }
  const j = {
    tenant: [] as (string | null)[], gw: [] as string[], batch: [] as (string | null)[], mid: [] as (string | null)[],
    code: [] as string[], detail: [] as string[], raw: [] as string[], recv: [] as Date[],
  }
  const seen = new Set<string>()
  // the keys of the input, less those the statement finds already stored: the new ones
  const newKeys = new Set<string>()
  for (const b of batches) {
    seen.add(b.gatewayId)
    const ids: string[] = []
    readingIds.push(ids)
    if (b.tenantId && b.patientId && b.batchId !== null) {
      // a key already given by an earlier batch of the call (a re-sent batch in the same flush) brings
      // no readings: the statement can tell a key stored before from a new one, not two copies of one
      const ownKeys = new Set<string>()
      for (const x of b.readings) {
        const key = keyOf(b.gatewayId, b.batchId, x.measurementId)
        if (newKeys.has(key) && !ownKeys.has(key)) {
          ids.push('')
          continue
        }
        ownKeys.add(key)
        const id = randomUUID()
        ids.push(id)
        newKeys.add(key)
        r.id.push(id); r.gw.push(b.gatewayId); r.tenant.push(b.tenantId); r.patient.push(b.patientId); r.batch.push(b.batchId)
        r.mid.push(x.measurementId); r.device.push(x.deviceId); r.type.push(x.type); r.value.push(x.value)
        r.unit.push(x.unit); r.ov.push(x.originalValue); r.ou.push(x.originalUnit); r.at.push(x.measuredAt)
        r.recv.push(b.receivedAt); r.flags.push(x.flags.join(',')); r.source.push(x.source); r.battery.push(x.battery)
        r.urgent.push(isPossiblyRed(x, b.receivedAt, b.conditions))
      }
    }
    for (const x of b.rejections) {
      j.tenant.push(b.tenantId); j.gw.push(b.gatewayId); j.batch.push(b.batchId); j.mid.push(x.id)
      j.code.push(x.code); j.detail.push(x.detail); j.raw.push(rawText(x.raw)); j.recv.push(b.receivedAt)
    }
    if (b.rawPayload !== undefined && b.rejections.length === 0) {
      j.tenant.push(b.tenantId); j.gw.push(b.gatewayId); j.batch.push(b.batchId); j.mid.push(null)
      j.code.push('malformed-batch'); j.detail.push('batch rejected as a whole'); j.raw.push(b.rawPayload); j.recv.push(b.receivedAt)
    }
  }
  const { rows } = await db.query<{ gateway_id: string; batch_id: string; measurement_id: string }>(
    `SELECT gateway_id, batch_id, measurement_id FROM varde_store_batches($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::text[], $10::float8[], $11::text[], $12::timestamptz[], $13::timestamptz[], $14::text[], $15::text[], $16::smallint[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $22::text[], $23::text[], $24::timestamptz[], $25::text[], $26::uuid[], $27::boolean[])`,
    [
      r.gw, r.tenant, r.patient, r.batch, r.mid, r.device, r.type, r.value, r.unit, r.ov, r.ou, r.at, r.recv,
      r.flags, r.source, r.battery,
      j.tenant, j.gw, j.batch, j.mid, j.code, j.detail, j.raw, j.recv,
      [...seen], r.id, r.urgent,
    ],
  )
  for (const x of rows) newKeys.delete(keyOf(x.gateway_id, x.batch_id, x.measurement_id))
  return { newKeys, readingIds }
}

export interface StoreResult {
  newKeys: Set<string>
  readingIds: string[][]
}

function rawText(raw: unknown): string {
  if (typeof raw === 'string') return raw
  try {
    return JSON.stringify(raw) ?? 'undefined'
  } catch {
    return String(raw)
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
  receivedAt: Date
}

export async function listRejections(db: Queryable, q: { gatewayId?: string; tenantId?: string; limit: number }): Promise<StoredRejection[]> {
  const { rows } = await db.query<{
    id: string; gateway_id: string; batch_id: string | null; measurement_id: string | null; code: string; detail: string
    raw: string; received_at: Date
  }>(
    `SELECT id, gateway_id, batch_id, measurement_id, code, detail, raw, received_at FROM rejections
      WHERE ($1::text IS NULL OR gateway_id = $1) AND ($2::text IS NULL OR tenant_id = $2)
      ORDER BY id DESC LIMIT $3`,
    [q.gatewayId ?? null, q.tenantId ?? null, q.limit],
  )
  return rows.map((x) => ({
    id: Number(x.id), gatewayId: x.gateway_id, batchId: x.batch_id, measurementId: x.measurement_id, code: x.code,
    detail: x.detail, raw: x.raw, receivedAt: x.received_at,
  }))
}
