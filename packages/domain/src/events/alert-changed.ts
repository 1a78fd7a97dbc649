import { z } from 'zod'
import type { AlertChange, AlertChangedEvent } from '../topics.js'

/** The changes an `AlertChangedEvent` names (`AlertChange`). */
export const ALERT_CHANGES = ['opened', 'updated', 'cleared', 'acknowledged', 'assigned', 'noted', 'resolved', 'escalated'] as const satisfies readonly AlertChange[]

/** An `AlertChangedEvent` as it crosses the internal bus: what the server reads and what every publisher builds. */
export const alertChangedEventSchema = z.object({
  tenantId: z.string().min(1),
  patientId: z.string().min(1),
  alertId: z.string().min(1),
  change: z.enum(ALERT_CHANGES),
  revision: z.number().int(),
  severity: z.enum(['red', 'yellow']),
  status: z.enum(['open', 'acknowledged', 'resolved']),
  at: z.string(),
}) satisfies z.ZodType<AlertChangedEvent>

/** What a publisher knows of the change (the alert as the statement left it); `at` as a Date or ISO text. */
export interface AlertChangeFacts extends Omit<AlertChangedEvent, 'at'> {
  at: Date | string
}

/**
 * The one way to build the event on `INTERNAL_TOPICS.alertsChanged` (issue 15:
 * the rules, escalation and a nurse's action all announce through it, via the
 * outbox relay or the server): validated, so a publisher that got a field
 * wrong fails here, not silently in every portal.
 */
export function alertChangedEvent(facts: AlertChangeFacts): AlertChangedEvent {
  const at = facts.at instanceof Date ? facts.at.toISOString() : new Date(facts.at).toISOString()
  return alertChangedEventSchema.parse({
    tenantId: facts.tenantId, patientId: facts.patientId, alertId: facts.alertId, change: facts.change,
    revision: facts.revision, severity: facts.severity, status: facts.status, at,
  })
}
