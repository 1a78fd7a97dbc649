import { loadForwardedReadings, type ForwardedPatient, type SenderIdentity } from './forwarding-outbox.js'
import type { Queryable } from './pool.js'

/**
 * What the weekly summary to a GP says (issue 18, docs/decisions/0018): per
 * vital its readings' range and the mean of each half-week (the trend),
 * the alerts opened in the week and how each ended, and on how many days
 * the patient measured. Figures only; the narrative is made in forwarding.
 */
export interface WeeklyVital {
  type: string
  unit: string
  count: number
  min: number
  max: number
  mean: number
  /** Mean of the first and of the second half of the week (null when a half has no reading). */
  firstHalfMean: number | null
  secondHalfMean: number | null
  /** Days (Europe/Oslo) with at least one reading of this type. */
  daysMeasured: number
}

export interface WeeklyAlert {
  id: string
  severity: 'red' | 'yellow'
  ruleId: string
  summaryNb: string
  openedAt: Date
  status: string
  outcome: string | null
}

export interface WeeklySummaryData {
  patient: ForwardedPatient
  sender: SenderIdentity
  window: { start: Date; end: Date }
  vitals: WeeklyVital[]
  alerts: WeeklyAlert[]
  /** Days of the window with any reading, of the window's days. */
  daysWithReadings: number
  days: number
}

export async function loadWeeklySummary(
  db: Queryable, tenantId: string, patientId: string, window: { start: Date; end: Date },
): Promise<WeeklySummaryData | null> {
  const base = await loadForwardedReadings(db, tenantId, patientId, { start: window.start, end: window.start })
  if (!base) return null
  const middle = new Date((window.start.getTime() + window.end.getTime()) / 2)
  const { rows: vitals } = await db.query<{
    type: string; unit: string; n: number; min: number; max: number; mean: number; first: number | null; second: number | null; days: number
  }>(
    `SELECT type, min(unit) AS unit, count(*)::int AS n, min(value) AS min, max(value) AS max, avg(value) AS mean,
            avg(value) FILTER (WHERE measured_at < $5) AS first, avg(value) FILTER (WHERE measured_at >= $5) AS second,
            count(DISTINCT (measured_at AT TIME ZONE 'Europe/Oslo')::date)::int AS days
       FROM measurements
      WHERE tenant_id = $1 AND patient_id = $2 AND measured_at >= $3 AND measured_at < $4
      GROUP BY type ORDER BY type`,
    [tenantId, patientId, window.start, window.end, middle],
  )
  const { rows: any } = await db.query<{ days: number }>(
    `SELECT count(DISTINCT (measured_at AT TIME ZONE 'Europe/Oslo')::date)::int AS days
       FROM measurements WHERE tenant_id = $1 AND patient_id = $2 AND measured_at >= $3 AND measured_at < $4`,
    [tenantId, patientId, window.start, window.end],
  )
  const { rows: alerts } = await db.query<{ id: string; severity: 'red' | 'yellow'; rule_id: string; summary_nb: string; opened_at: Date; status: string; outcome: string | null }>(
    `SELECT id, severity, rule_id, summary_nb, opened_at, status, outcome FROM alerts
      WHERE tenant_id = $1 AND patient_id = $2 AND opened_at >= $3 AND opened_at < $4 ORDER BY opened_at`,
    [tenantId, patientId, window.start, window.end],
  )
  return {
    patient: base.patient,
    sender: base.sender,
    window,
    vitals: vitals.map((v) => ({
      type: v.type, unit: v.unit, count: v.n, min: v.min, max: v.max, mean: v.mean, firstHalfMean: v.first, secondHalfMean: v.second, daysMeasured: v.days,
    })),
    alerts: alerts.map((a) => ({ id: a.id, severity: a.severity, ruleId: a.rule_id, summaryNb: a.summary_nb, openedAt: a.opened_at, status: a.status, outcome: a.outcome })),
    daysWithReadings: any[0]?.days ?? 0,
    days: Math.round((window.end.getTime() - window.start.getTime()) / 86_400_000),
  }
}

/**
 * Enqueues the week's summary for every patient and recipient that wants one
 * and may receive it now; idempotent per week (a unique index, migration 0019).
 */
export async function enqueueWeeklySummaries(db: Queryable, window: { start: Date; end: Date }): Promise<number> {
  const { rowCount } = await db.query(
    `INSERT INTO forwarding_outbox (tenant_id, recipient_id, patient_id, kind, window_start, window_end)
     SELECT DISTINCT c.tenant_id, c.recipient_id, c.patient_id, 'summary', $1::timestamptz, $2::timestamptz
       FROM care_team_members c JOIN forwarding_recipients r ON r.id = c.recipient_id
      WHERE r.sends_weekly_summary AND may_forward_to(c.patient_id, c.recipient_id)
     ON CONFLICT DO NOTHING`,
    [window.start, window.end],
  )
  return rowCount ?? 0
}
