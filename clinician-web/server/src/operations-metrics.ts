import { readOperationsGauges } from '@varde/db'
import type { Queryable } from './access/types.js'

/**
 * The database's operations gauges (packages/db operations-gauges.ts) as
 * Prometheus text for /metrics: counts only, never a patient's data. Read by
 * every server instance from the one database, so Prometheus sees the same
 * value from each; the alert rules take max() over instances
 * (deploy/prometheus/alerts.yml).
 */
export async function renderOperationsMetrics(db: Queryable): Promise<string[]> {
  const g = await readOperationsGauges(db)
  const family = (name: string, help: string, lines: string[]) => [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...lines]
  return [
    ...family('varde_rule_queue_patients', 'Patients with stored readings the rules have not judged yet (rule_work).', [`varde_rule_queue_patients ${g.ruleQueuePatients}`]),
    ...family('varde_rule_queue_oldest_seconds', 'How long the oldest unjudged reading has waited for the rules, seconds (0: none waits).',
      [`varde_rule_queue_oldest_seconds ${g.ruleQueueOldestSeconds.toFixed(3)}`]),
    ...family('varde_alerts_open', 'Open (unacknowledged) alerts, all tenants, by severity.',
      [`varde_alerts_open{severity="red"} ${g.openAlerts.red}`, `varde_alerts_open{severity="yellow"} ${g.openAlerts.yellow}`]),
    ...family('varde_alerts_open_escalated', 'Open red alerts that escalated (not acknowledged within VARDE_ESCALATION_MINUTES).',
      [`varde_alerts_open_escalated ${g.escalatedOpenAlerts}`]),
  ]
}
