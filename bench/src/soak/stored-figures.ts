import { createPool, type Pool } from '@varde/db'

/**
 * What the database holds for the soak's gateways, read over the wire as any
 * client would: readings, readings stored twice (by either key: gateway,
 * batch and id; or gateway, device, type and time), and the alerts that
 * readings opened. Schedule and device alerts (missed measurements, gateway
 * offline, battery) depend on the clock, not on the readings, and are left out.
 */
export interface StoredFigures {
  stored: number
  /** Rows beyond the first of each key. */
  duplicates: number
  /** Unresolved reading alerts: gateway → rule id, severity and count. */
  alerts: StoredAlert[]
  /** Patients whose new readings the rules worker has not yet seen. */
  ruleWorkQueued: number
}

export interface StoredAlert {
  gatewayId: string
  ruleId: string
  severity: string
  status: string
  count: number
}

const CLOCK_DRIVEN_RULE_KINDS = ['missed-measurement', 'gateway-offline', 'low-battery']

export async function readStoredFigures(databaseUrl: string, gatewayIds: string[]): Promise<StoredFigures> {
  const pool: Pool = createPool(databaseUrl, { max: 1, applicationName: 'soak-figures' })
  try {
    const stored = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM measurements WHERE gateway_id = ANY($1)', [gatewayIds])
    const byBatchKey = await pool.query<{ n: number }>(
      `SELECT coalesce(sum(c - 1), 0)::int AS n FROM (
         SELECT count(*) AS c FROM measurements WHERE gateway_id = ANY($1) GROUP BY gateway_id, batch_id, measurement_id HAVING count(*) > 1) d`,
      [gatewayIds],
    )
    const byReadingKey = await pool.query<{ n: number }>(
      `SELECT coalesce(sum(c - 1), 0)::int AS n FROM (
         SELECT count(*) AS c FROM measurements WHERE gateway_id = ANY($1) GROUP BY gateway_id, device_id, type, measured_at HAVING count(*) > 1) d`,
      [gatewayIds],
    )
    const alerts = await pool.query<StoredAlert>(
      `SELECT g.id AS "gatewayId", a.rule_id AS "ruleId", a.severity, a.status, a.count
         FROM alerts a JOIN gateways g ON g.patient_id = a.patient_id AND g.tenant_id = a.tenant_id
        WHERE g.id = ANY($1) AND a.status <> 'resolved' AND a.rule_kind <> ALL($2)
        ORDER BY 1, 2`,
      [gatewayIds, CLOCK_DRIVEN_RULE_KINDS],
    )
    const queued = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM rule_work')
    return {
      stored: stored.rows[0]?.n ?? 0,
      duplicates: Math.max(byBatchKey.rows[0]?.n ?? 0, byReadingKey.rows[0]?.n ?? 0),
      alerts: alerts.rows,
      ruleWorkQueued: queued.rows[0]?.n ?? 0,
    }
  } finally {
    await pool.end()
  }
}

/** The alerts the readings call for: one red SpO2 alert, counted once, for each gateway that sent its alert reading. */
export function expectedAlerts(alertGateways: string[]): StoredAlert[] {
  return [...alertGateways].sort().map((gatewayId) => ({ gatewayId, ruleId: 'threshold:spo2', severity: 'red', status: 'open', count: 1 }))
}

/** Demo gateways of COPD patients (for them an SpO2 of 81 % is red). */
export async function copdGateways(databaseUrl: string): Promise<string[]> {
  const pool: Pool = createPool(databaseUrl, { max: 1, applicationName: 'soak-copd' })
  try {
    const { rows } = await pool.query<{ id: string }>(
      `SELECT g.id FROM gateways g JOIN patients p ON p.id = g.patient_id WHERE g.tenant_id = 'demo' AND 'copd' = ANY(p.conditions) ORDER BY g.id`,
    )
    return rows.map((r) => r.id)
  } finally {
    await pool.end()
  }
}
