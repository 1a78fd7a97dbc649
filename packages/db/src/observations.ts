import type { StoredMeasurement } from './measurements.js'
import type { Queryable } from './pool.js'

/**
 * A patient's readings as FHIR Observations (platform-contract.md "FHIR R4";
 * docs/decisions/0016-fhir-api.md): one Observation per reading, except that
 * a blood-pressure measurement, stored as two readings (`bp-systolic`,
 * `bp-diastolic`), is ONE Observation, the panel, under the systolic
 * reading's id. The two are paired by device and measured time (a GATT
 * Blood Pressure Measurement gives both the same time and measurement key;
 * a gateway sending decoded values gives both its measuredAt); where one
 * device gave several at one instant, the n-th systolic pairs with the n-th
 * diastolic in order of measurement key. A reading without its partner is
 * an Observation of its own, so no stored reading is ever left unshown.
 */
export type ObservationKind = string
export const BP_PANEL: ObservationKind = 'bp-panel'

export interface ObservationRow extends StoredMeasurement {
  /** The reading's type, or `bp-panel` for a systolic reading paired with its diastolic one. */
  kind: ObservationKind
  diastolic: { id: string; value: number; unit: string } | null
  /** When the reading was stored (a reading never changes after: its Observation's meta.lastUpdated). */
  receivedAt: Date
}

export interface ObservationQuery {
  tenantId: string
  patientId: string
  /** Only Observations of these kinds (vital types or `bp-panel`); all when absent. */
  kinds?: readonly ObservationKind[]
  from?: Date
  to?: Date
  /** Keyset cursor: strictly after (measuredAt, id) in the order asked for. */
  after?: { measuredAt: Date; id: string }
  /** Oldest first (the default) or newest first (FHIR `_sort=-date`). */
  order?: 'asc' | 'desc'
  /** Only the readings of this BLE device (FHIR `_revinclude=Observation:device`). */
  device?: { gatewayId: string; deviceId: string }
  /** The one Observation with this id and time (a read). */
  only?: { measuredAt: Date; id: string }
  limit: number
}

const BP_TYPES = ['bp-systolic', 'bp-diastolic']

/** The stored types an Observation of these kinds is made from (a panel, or a lone half, needs both halves to tell). */
function typesFor(kinds: readonly ObservationKind[] | undefined): string[] | null {
  if (!kinds) return null
  const types = new Set<string>()
  for (const k of kinds) for (const t of k === BP_PANEL || BP_TYPES.includes(k) ? BP_TYPES : [k]) types.add(t)
  return [...types]
}

// The pairing is computed over the readings of the patient in the time range (both halves share
// their time, so a range or a cursor on the time never splits a pair): `k` numbers the readings of
// one type, device and instant in order of their measurement key, and the k-th systolic and k-th
// diastolic of a device and instant are one group. Window functions only, no join: a self-join of
// the readings was planned as a nested loop (102 s for 20 000 readings on PostgreSQL 15). A page
// without a time range reads a bounded number of readings where it can ($11), not all of them.
// Newest first is the same statement with the keyset turned round: the cursor bounds from above, the
// 2n-readings bound from below (the direction words are constants, never input).
function observationsStatement(order: 'asc' | 'desc', answer: 'rows' | 'count' = 'rows'): string {
  const [cmp, dir, far] = order === 'asc' ? ['>', '', 'infinity'] : ['<', ' DESC', '-infinity']
  return `
  WITH readings AS (
    SELECT id, patient_id, gateway_id, device_id, type, value, unit, measured_at, flags, received_at,
           CASE WHEN type IN ('bp-systolic', 'bp-diastolic')
                THEN row_number() OVER (PARTITION BY device_id, measured_at, type ORDER BY gateway_id, batch_id, measurement_id, id) END AS k
      FROM measurements
     WHERE tenant_id = $1 AND patient_id = $2
       AND ($3::text[] IS NULL OR type = ANY($3))
       AND ($4::timestamptz IS NULL OR measured_at >= $4)
       AND ($5::timestamptz IS NULL OR measured_at <= $5)
       AND ($6::timestamptz IS NULL OR measured_at ${cmp}= $6)
       AND ($12::text IS NULL OR (gateway_id = $12 AND device_id = $13))
       -- a page of n Observations within the next 2n readings (a panel takes two, any other one); the
       -- groups at the bound's instant are whole, so the Observations found are exact up to it
       AND ($11::boolean IS NOT TRUE OR measured_at ${order === 'asc' ? '<=' : '>='} coalesce((
             SELECT b.measured_at FROM measurements b
              WHERE b.tenant_id = $1 AND b.patient_id = $2
                AND ($3::text[] IS NULL OR b.type = ANY($3))
                AND ($4::timestamptz IS NULL OR b.measured_at >= $4)
                AND ($5::timestamptz IS NULL OR b.measured_at <= $5)
                AND ($6::timestamptz IS NULL OR (b.measured_at, b.id) ${cmp} ($6, $8::uuid))
                AND ($12::text IS NULL OR (b.gateway_id = $12 AND b.device_id = $13))
              ORDER BY b.measured_at${dir}, b.id${dir} OFFSET 2 * $10 - 1 LIMIT 1), '${far}'))
  ),
  grouped AS (
    SELECT r.*,
           count(*) FILTER (WHERE r.type = 'bp-systolic') OVER pair AS systolic_count,
           max(r.id::text) FILTER (WHERE r.type = 'bp-diastolic') OVER pair AS diastolic_id,
           max(r.value) FILTER (WHERE r.type = 'bp-diastolic') OVER pair AS diastolic_value,
           max(r.unit) FILTER (WHERE r.type = 'bp-diastolic') OVER pair AS diastolic_unit
      FROM readings r
    WINDOW pair AS (PARTITION BY r.device_id, r.measured_at, r.k)
  ),
  observations AS (
    SELECT id, patient_id, gateway_id, device_id, type, value, unit, measured_at, flags, received_at,
           CASE WHEN type = 'bp-systolic' AND diastolic_id IS NOT NULL THEN 'bp-panel' ELSE type END AS kind,
           CASE WHEN type = 'bp-systolic' THEN diastolic_id::uuid END AS diastolic_id,
           CASE WHEN type = 'bp-systolic' THEN diastolic_value END AS diastolic_value,
           CASE WHEN type = 'bp-systolic' THEN diastolic_unit END AS diastolic_unit
      FROM grouped
     -- a diastolic half with its systolic one is inside that one's panel
     WHERE NOT (type = 'bp-diastolic' AND systolic_count > 0)
  )
  SELECT ${answer === 'count' ? 'count(*)::int AS n' : 'id, patient_id, gateway_id, device_id, type, value, unit, measured_at, flags, received_at, kind, diastolic_id, diastolic_value, diastolic_unit'}
    FROM observations
   WHERE ($7::text[] IS NULL OR kind = ANY($7))
     AND ($6::timestamptz IS NULL OR (measured_at, id) ${cmp} ($6, $8::uuid))
     AND ($9::uuid IS NULL OR id = $9)
   ${answer === 'count' ? '' : `ORDER BY measured_at${dir}, id${dir} LIMIT $10`}`
}
/** Exported for their plans' test (test/observations.test.ts). */
export const OBSERVATIONS_STATEMENT = observationsStatement('asc')
export const NEWEST_FIRST_STATEMENT = observationsStatement('desc')
export const COUNT_STATEMENT = observationsStatement('asc', 'count')

interface Row {
  id: string; patient_id: string; gateway_id: string; device_id: string; type: string; value: number; unit: string
  measured_at: Date; flags: string[]; received_at: Date; kind: string; diastolic_id: string | null; diastolic_value: number | null; diastolic_unit: string | null
}

/** A patient's Observations in time order, a page at a time (the caller has checked the care relationship). */
export async function listObservations(db: Queryable, q: ObservationQuery): Promise<ObservationRow[]> {
  const from = q.only ? q.only.measuredAt : q.from
  const to = q.only ? q.only.measuredAt : q.to
  const read = (isBounded: boolean) => db.query<Row>(q.order === 'desc' ? NEWEST_FIRST_STATEMENT : OBSERVATIONS_STATEMENT, [
    q.tenantId, q.patientId, typesFor(q.kinds), from ?? null, to ?? null, q.after?.measuredAt ?? null,
    q.kinds ? [...q.kinds] : null, q.after?.id ?? null, q.only?.id ?? null, q.limit, isBounded, q.device?.gatewayId ?? null, q.device?.deviceId ?? null,
  ])
  // the next 2n readings first; a short page is read again without the bound, since readings that
  // give no Observation after the cursor can take some of the 2n: lone halves of kinds not asked
  // for, and the diastolic halves of panels at the cursor's own instant that sort after it (by
  // random id: the paging test failed about one run in three)
  let { rows } = await read(!q.only)
  if (!q.only && rows.length < q.limit) ({ rows } = await read(false))
  return rows.map((x) => ({
    id: x.id, patientId: x.patient_id, gatewayId: x.gateway_id, deviceId: x.device_id, type: x.type, value: x.value, unit: x.unit,
    measuredAt: x.measured_at, flags: x.flags, kind: x.kind, receivedAt: x.received_at,
    diastolic: x.diastolic_id === null ? null : { id: x.diastolic_id, value: x.diastolic_value!, unit: x.diastolic_unit! },
  }))
}

/**
 * The patient of the reading with this id and measured time, or null. The
 * time makes it a lookup by the time index (measurements has none on its id:
 * a hypertable's chunks would each be scanned), which is why an Observation's
 * id carries its time (decision 0016).
 */
export async function findReadingPatient(db: Queryable, tenantId: string, id: string, measuredAt: Date): Promise<string | null> {
  const { rows } = await db.query<{ patient_id: string }>(
    `SELECT patient_id FROM measurements
      WHERE tenant_id = $1 AND measured_at >= $3 AND measured_at < $3::timestamptz + interval '1 millisecond' AND id = $2`,
    [tenantId, id, measuredAt],
  )
  return rows[0]?.patient_id ?? null
}

/**
 * How many Observations a search finds (FHIR `_summary=count`): the readings
 * in range, less each diastolic half inside a panel. The pairing is the
 * page statement's (the same window functions over the patient's readings in
 * range), so the count and the pages agree; it reads the range once, a page
 * at a time it would read it all anyway.
 */
export async function countObservations(db: Queryable, q: Omit<ObservationQuery, 'limit' | 'after' | 'only' | 'order'>): Promise<number> {
  const { rows } = await db.query<{ n: number }>(COUNT_STATEMENT, [
    q.tenantId, q.patientId, typesFor(q.kinds), q.from ?? null, q.to ?? null, null, q.kinds ? [...q.kinds] : null, null, null, 1, false,
    q.device?.gatewayId ?? null, q.device?.deviceId ?? null,
  ])
  return rows[0]?.n ?? 0
}
