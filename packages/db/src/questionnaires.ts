import { randomUUID } from 'node:crypto'
import { PATIENT_REPORTED_GATEWAY, type Instrument } from '@varde/domain'
import type { Queryable } from './pool.js'

/**
 * A patient's questionnaire answers (issue 25, ADR 0042, migration 0041):
 * the score is stored as ONE reading in `measurements` (source `patient`)
 * with its key in `measurement_keys` ('patient-reported', patient, the
 * client's id), and the patient queued for the rules, in the same statement
 * as the answers themselves, so the score is judged, trended and shared like
 * a vital, and nothing is stored by half.
 */

export interface NewAnswer {
  tenantId: string
  patientId: string
  userId: string
  /** The client's own id of this answer: the same id again is the same answer (stored once). */
  clientId: string
  instrument: Instrument
  items: number[]
  score: number
  /** The reading type of the score (`INSTRUMENT_TYPE`). */
  type: string
  answeredAt: Date
  /** The score may be red (`isPossiblyRed`): the rules take the patient first. */
  isUrgent: boolean
}

export interface StoredAnswer {
  clientId: string
  instrument: Instrument
  items: number[]
  score: number
  answeredAt: Date
  readingId: string
}

export type AnswerOutcome =
  | { outcome: 'stored' | 'duplicate'; answer: StoredAnswer }
  /** The daily question is answered already today (Europe/Oslo), under another id. */
  | { outcome: 'daily-taken'; answer: StoredAnswer }

type Row = { client_id: string; instrument: Instrument; items: number[]; score: number; answered_at: Date; reading_id: string }
const toAnswer = (r: Row): StoredAnswer => ({
  clientId: r.client_id, instrument: r.instrument, items: r.items.map(Number), score: Number(r.score), answeredAt: r.answered_at, readingId: r.reading_id,
})
const COLUMNS = 'client_id, instrument, items, score, answered_at, reading_id'

export async function storeAnswer(db: Queryable, a: NewAnswer): Promise<AnswerOutcome> {
  const readingId = randomUUID()
  // ON CONFLICT DO NOTHING covers both keys: the client's id (a re-send) and the daily question's one a day
  const { rows } = await db.query<Row>(
    `WITH a AS (
       INSERT INTO questionnaire_answers (tenant_id, patient_id, client_id, instrument, items, score, answered_at, local_day, reading_id, answered_by_user_id)
       VALUES ($1, $2, $3, $4, $5::smallint[], $6, $7, ($7::timestamptz AT TIME ZONE 'Europe/Oslo')::date, $8, $9)
       ON CONFLICT DO NOTHING
       RETURNING ${COLUMNS}),
     k AS (
       INSERT INTO measurement_keys (gateway_id, batch_id, measurement_id, received_at)
       SELECT '${PATIENT_REPORTED_GATEWAY}', $2::text, client_id, answered_at FROM a
       RETURNING 1),
     m AS (
       INSERT INTO measurements (id, tenant_id, patient_id, gateway_id, device_id, batch_id, measurement_id, type, value, unit,
                                 measured_at, received_at, flags, source)
       SELECT reading_id, $1, $2, '${PATIENT_REPORTED_GATEWAY}', 'questionnaire:' || instrument, $2::text, client_id, $10, score, '{score}',
              answered_at, answered_at, '{}', 'patient' FROM a
       RETURNING 1),
     q AS (
       -- the rules' to-do list, as ingest's store statement fills it (migrations 0003, 0007)
       INSERT INTO rule_work (patient_id, tenant_id, pending_since, urgent_seq)
       SELECT $2, $1, answered_at, CASE WHEN $11::boolean THEN 1 END FROM a
       ON CONFLICT (patient_id) DO UPDATE
         SET seq = rule_work.seq + 1, pending_since = least(rule_work.pending_since, EXCLUDED.pending_since),
             urgent_seq = CASE WHEN EXCLUDED.urgent_seq IS NOT NULL THEN rule_work.seq + 1 ELSE rule_work.urgent_seq END
       RETURNING 1)
     SELECT ${COLUMNS} FROM a`,
    [a.tenantId, a.patientId, a.clientId, a.instrument, a.items, a.score, a.answeredAt, readingId, a.userId, a.type, a.isUrgent],
  )
  if (rows[0]) return { outcome: 'stored', answer: toAnswer(rows[0]) }
  const same = await db.query<Row>(
    `SELECT ${COLUMNS} FROM questionnaire_answers WHERE tenant_id = $1 AND patient_id = $2 AND client_id = $3`, [a.tenantId, a.patientId, a.clientId])
  if (same.rows[0]) return { outcome: 'duplicate', answer: toAnswer(same.rows[0]) }
  const today = await db.query<Row>(
    `SELECT ${COLUMNS} FROM questionnaire_answers
      WHERE tenant_id = $1 AND patient_id = $2 AND instrument = 'daily' AND local_day = ($3::timestamptz AT TIME ZONE 'Europe/Oslo')::date`,
    [a.tenantId, a.patientId, a.answeredAt])
  if (today.rows[0]) return { outcome: 'daily-taken', answer: toAnswer(today.rows[0]) }
  throw new Error('questionnaire answer neither stored nor found')
}

/** A patient's answers, newest first (for the page and for FHIR components). */
export async function listAnswers(db: Queryable, q: { tenantId: string; patientId: string; limit: number }): Promise<StoredAnswer[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM questionnaire_answers WHERE tenant_id = $1 AND patient_id = $2 ORDER BY answered_at DESC LIMIT $3`,
    [q.tenantId, q.patientId, q.limit])
  return rows.map(toAnswer)
}
