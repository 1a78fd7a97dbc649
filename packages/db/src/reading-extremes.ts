import type { Queryable } from './pool.js'

/**
 * The most extreme stored reading of one vital of one patient between two
 * instants, on one side: the lowest (a falling SpO2) or the highest (a rising
 * temperature). An alert keeps only its opening and latest findings; an
 * episode's "worst" (issue 20) is the true extreme, looked up here between
 * them. One statement for all the spans asked (the inbox's), each by the
 * measurements' (patient, type, time) index.
 */
export interface ExtremeSpan {
  /** The caller's key for the answer (an alert id). */
  key: string
  patientId: string
  type: string
  side: 'low' | 'high'
  from: Date
  to: Date
}

export interface ExtremeReading {
  key: string
  value: number
  measuredAt: Date
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export async function readingExtremes(db: Queryable, tenantId: string, spans: readonly ExtremeSpan[]): Promise<ExtremeReading[]> {
  const wanted = spans.filter((s) => UUID.test(s.patientId) && s.from <= s.to)
  if (wanted.length === 0) return []
  const { rows } = await db.query<{ key: string; value: number; measured_at: Date }>(
    `SELECT s.key, x.value, x.measured_at
       FROM jsonb_to_recordset($2::jsonb) AS s(key text, patient_id uuid, type text, low boolean, from_at timestamptz, to_at timestamptz)
       CROSS JOIN LATERAL (
         SELECT m.value, m.measured_at FROM measurements m
          WHERE m.tenant_id = $1 AND m.patient_id = s.patient_id AND m.type = s.type
            AND m.measured_at >= s.from_at AND m.measured_at <= s.to_at
          ORDER BY CASE WHEN s.low THEN m.value ELSE -m.value END, m.measured_at DESC
          LIMIT 1) x`,
    [tenantId, JSON.stringify(wanted.map((s) => ({
      key: s.key, patient_id: s.patientId, type: s.type, low: s.side === 'low', from_at: s.from.toISOString(), to_at: s.to.toISOString(),
    })))],
  )
  return rows.map((r) => ({ key: r.key, value: r.value, measuredAt: new Date(r.measured_at) }))
}
