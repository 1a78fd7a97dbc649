import type { Queryable } from '@varde/db'

/**
 * An alert row as the rules worker stores it (migration 0003, packages/db
 * rule-store.ts): an SpO2 threshold finding, with its `opened` event. Lets
 * the API be tested in any state without driving the rules.
 */
export interface AlertInput {
  tenantId?: string
  patientId: string
  severity: 'red' | 'yellow'
  openedAt?: Date
  /** SpO2 reading behind it, in %. */
  value?: number
  status?: 'open' | 'acknowledged' | 'resolved'
  /** Who acknowledged or resolved it, for alerts inserted in those states. */
  byUserId?: string
}

let keys = 0

export async function insertAlert(db: Queryable, a: AlertInput): Promise<string> {
  const openedAt = a.openedAt ?? new Date()
  const value = a.value ?? (a.severity === 'red' ? 88 : 93)
  const status = a.status ?? 'open'
  const finding = {
    ruleId: 'threshold:spo2', ruleVersion: 'default:2026.1', ruleKind: 'threshold', severity: a.severity,
    thresholds: {
      vitals: [{ vital: 'spo2', red: { low: { value: 91, isInclusive: true } }, yellow: { low: { value: 93, isInclusive: true } }, hysteresis: 1 }],
    },
    measures: { spo2: value },
    readings: [{ type: 'spo2', value, unit: '%', measuredAt: openedAt.toISOString(), measurementId: 'gw/b/m1', deviceId: 'AA:BB:CC:00:11:22' }],
    summary: {
      nb: `Oksygenmetning ${value} % (${a.severity === 'red' ? 'rød grense ≤ 91 %' : 'gul grense ≤ 93 %'})`,
      en: `Oxygen saturation ${value}% (${a.severity === 'red' ? 'red limit ≤ 91%' : 'yellow limit ≤ 93%'})`,
    },
    news2Score: null,
    source: 'NEWS2 (RCP 2017), SpO2 skala 1',
    triggeredAt: openedAt.toISOString(),
  }
  const { rows } = await db.query<{ id: string }>(
    `WITH a AS (
       INSERT INTO alerts (tenant_id, patient_id, alert_key, rule_id, rule_version, rule_kind, severity, status,
                           opened_at, first_triggered_at, last_triggered_at, summary_nb, summary_en, first_finding, last_finding,
                           red_since, acknowledged_at, acknowledged_by, resolved_at, resolved_by, outcome, updated_at)
       VALUES ($1, $2, $3, 'threshold:spo2', 'default:2026.1', 'threshold', $4, $5, $6, $6, $6, $7, $8, $9, $9,
               CASE WHEN $4 = 'red' THEN $6::timestamptz END,
               CASE WHEN $5 <> 'open' THEN $6::timestamptz END, CASE WHEN $5 <> 'open' THEN $10::uuid END,
               CASE WHEN $5 = 'resolved' THEN $6::timestamptz END, CASE WHEN $5 = 'resolved' THEN $10::uuid END,
               CASE WHEN $5 = 'resolved' THEN 'no-action-needed' END, $6)
       RETURNING id, tenant_id, opened_at
     ),
     e AS (INSERT INTO alert_events (tenant_id, alert_id, at, kind, actor, details)
           SELECT tenant_id, id, opened_at, 'opened', 'rules', '{}' FROM a)
     SELECT id FROM a`,
    [a.tenantId ?? 'demo', a.patientId, `threshold:spo2#test-${++keys}`, a.severity, status, openedAt,
      finding.summary.nb, finding.summary.en, JSON.stringify(finding), a.byUserId ?? null],
  )
  return rows[0]!.id
}
