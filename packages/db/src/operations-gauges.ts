import type { Queryable } from './pool.js'

/**
 * Counts for operations (Prometheus, deploy/prometheus/alerts.yml), over all
 * tenants, without any patient's data: how much waits for the rules and how
 * long the oldest has waited (the rules' lag behind ingest), and the open
 * alerts by severity. One statement, on indexes or small tables: rule_work
 * holds a row per patient with unjudged readings, and open alerts are few.
 */
export interface OperationsGauges {
  ruleQueuePatients: number
  /** Seconds since the oldest unjudged reading was stored; 0 when the queue is empty. */
  ruleQueueOldestSeconds: number
  openAlerts: { red: number; yellow: number }
  /** Of the open red alerts, those no one acknowledged and that escalated (VARDE_ESCALATION_MINUTES). */
  escalatedOpenAlerts: number
}

export async function readOperationsGauges(db: Queryable): Promise<OperationsGauges> {
  const { rows } = await db.query<{ patients: number; oldest: number; red: number; yellow: number; escalated: number }>(`
    SELECT q.patients, q.oldest, a.red, a.yellow, a.escalated
      FROM (SELECT count(*)::int AS patients,
                   coalesce(extract(epoch FROM now() - min(pending_since)), 0)::float8 AS oldest
              FROM rule_work) q,
           (SELECT count(*) FILTER (WHERE severity = 'red')::int AS red,
                   count(*) FILTER (WHERE severity = 'yellow')::int AS yellow,
                   count(*) FILTER (WHERE severity = 'red' AND escalated_at IS NOT NULL)::int AS escalated
              FROM alerts WHERE status = 'open') a`)
  const r = rows[0]!
  return {
    ruleQueuePatients: r.patients, ruleQueueOldestSeconds: Math.max(0, Number(r.oldest)),
    openAlerts: { red: r.red, yellow: r.yellow }, escalatedOpenAlerts: r.escalated,
  }
}
