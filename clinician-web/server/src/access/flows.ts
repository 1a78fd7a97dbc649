import {
  applyRuleActions, enqueueAlertForwarding, findAlertPatient, findTenantPatient, findTenantPatientIds, listTenantReadings,
  type ChangedAlert, type FlowPatient, type FlowReading, type FlowReadingsQuery,
} from '@varde/db'
import type { AlertDraft, RuleKind, RuleParams, Severity, VitalType } from '@varde/domain'
import { randomUUID } from 'node:crypto'
import { ERRORS } from '../errors/api-errors.js'
import { hasRole } from './actor.js'
import type { AccessContext } from './context.js'

/** The role a tenant's Node-RED runtime acts under (docs/decisions/0020). */
export const FLOWS_SERVICE_ROLE = 'flows'

/** An alert a flow raises, as Varde's intake has validated it (flows/src/alert-intake.ts). */
export interface FlowAlertInput {
  flowId: string
  flowName: string
  patientId: string
  /** The flow's own key: one open alert per patient, flow and key (later findings count on it). */
  key: string
  severity: Severity
  summary: { nb: string; en: string }
  /** Why: the numbers the flow computed, shown with the alert. */
  measures: Record<string, number>
  readingIds: string[]
  triggeredAt: Date
}

/**
 * What a tenant's flows may do (issue 23), as that tenant's service actor:
 * read stored readings and look up patients of its own tenant only (every
 * read in the access log under the flow's name), raise an alert through the
 * rules' own statement (so the alert, its history and its announcement are
 * written together) and hand an alert to the forwarding outbox, where
 * relationship and objection decide. A monitored patient of the tenant is in
 * reach of its flows: the municipality's service, not a person, reads, and
 * the log says which flow did.
 */
export function flowAccess({ db, actor, audit, where }: AccessContext) {
  const requireService = () => {
    if (actor.kind !== 'service' || !hasRole(actor, [FLOWS_SERVICE_ROLE])) throw new ERRORS.flowsServiceOnly()
  }
  return {
    /**
     * The flow editor and its admin API: an administrator of the tenant whose
     * flows this runtime runs, and no one else (a refusal is logged). A
     * change (a deploy, an inject) is logged too: it changes what reads
     * patients' data.
     */
    async requireEditor(flowsTenantId: string, isChange: boolean): Promise<void> {
      if (actor.kind === 'staff' && hasRole(actor, ['admin']) && actor.tenantId === flowsTenantId) {
        if (isChange) await audit.one({ action: 'flows.change', resourceType: 'Flow', resourceId: null, outcome: 'allowed', details: where() })
        return
      }
      await audit.one({ action: 'flows.edit', resourceType: 'Flow', resourceId: null, outcome: 'denied', details: where() })
      throw new ERRORS.flowsAdminRequired()
    },

    /** Stored readings of the tenant; one log row per patient shown. */
    async readings(q: Omit<FlowReadingsQuery, 'tenantId'>): Promise<FlowReading[]> {
      requireService()
      const readings = await listTenantReadings(db, { ...q, tenantId: actor.tenantId })
      const patients = [...new Set(readings.map((r) => r.patientId))]
      await audit.many(patients.map((patientId) => ({
        action: 'read', resourceType: 'Observation', resourceId: patientId, patientId, outcome: 'allowed' as const,
        details: { count: readings.filter((r) => r.patientId === patientId).length },
      })))
      return readings
    },

    /** One patient of the tenant, or not-found (another tenant's is unknown here); logged either way. */
    async patient(patientId: string): Promise<FlowPatient> {
      requireService()
      const patient = await findTenantPatient(db, actor.tenantId, patientId)
      await audit.one({ action: 'read', resourceType: 'Patient', resourceId: patientId, patientId: patient?.id ?? null, outcome: patient ? 'allowed' : 'denied' })
      if (!patient) throw new ERRORS.patientNotFound()
      return patient
    },

    /**
     * Opens the flows' alerts, or counts each finding on the open one with the
     * same patient and key, in one statement for the lot (the rules' own:
     * alert, history and announcement together). An alert for a patient who
     * is not a monitored patient of the tenant is refused (null in its place).
     * One log row per alert raised or refused.
     */
    async raiseAlerts(inputs: readonly FlowAlertInput[]): Promise<Array<ChangedAlert | null>> {
      requireService()
      if (inputs.length === 0) return []
      const known = await findTenantPatientIds(db, actor.tenantId, [...new Set(inputs.map((i) => i.patientId))])
      const accepted = inputs.filter((i) => known.has(i.patientId))
      // the readings the flows name, each only as its own patient's: the alert shows them as its evidence
      const readingIds = [...new Set(accepted.flatMap((i) => i.readingIds))]
      const readings = readingIds.length === 0 ? [] : await listTenantReadings(db, { tenantId: actor.tenantId, ids: readingIds, limit: readingIds.length })
      const byId = new Map(readings.map((r) => [r.id, r]))
      // one draft per patient and key: a repeat within the batch counts on it, the latest finding shown, red stays red
      const drafts = new Map<string, { patientId: string; draft: AlertDraft }>()
      for (const input of accepted) {
        const alertKey = `flow:${input.flowId}:${input.key}`
        const prior = drafts.get(`${input.patientId}/${alertKey}`)?.draft
        const evidence = input.readingIds.map((id) => byId.get(id)).filter((r) => r !== undefined && r.patientId === input.patientId)
        drafts.set(`${input.patientId}/${alertKey}`, {
          patientId: input.patientId,
          draft: {
            ruleId: `flow:${input.flowId}`, ruleVersion: '1',
            // a flow's rule is none of the platform's kinds; the column and the API take any text
            ruleKind: 'flow' as unknown as RuleKind,
            severity: prior?.severity === 'red' ? 'red' : input.severity,
            // a flow's thresholds are in its own nodes; its numbers are the measures
            thresholds: {} as unknown as RuleParams, measures: input.measures,
            readings: evidence.map((r) => ({ type: r!.type as VitalType, value: r!.value, unit: r!.unit, measuredAt: new Date(r!.measuredAt), measurementId: r!.id, deviceId: '' })),
            summary: input.summary, news2Score: null, source: `Node-RED: ${input.flowName}`, triggeredAt: input.triggeredAt,
            alertKey, count: (prior?.count ?? 0) + 1, openedAt: prior?.openedAt ?? new Date(), isConditionActive: true,
          },
        })
      }
      const byPatient = new Map<string, AlertDraft[]>()
      for (const { patientId, draft } of drafts.values()) byPatient.set(patientId, [...(byPatient.get(patientId) ?? []), draft])
      const changed = byPatient.size === 0 ? [] : await applyRuleActions(
        db, [...byPatient].map(([patientId, list]) => ({ tenantId: actor.tenantId, patientId, actions: list.map((alert) => ({ kind: 'open' as const, alert })) })), [], randomUUID,
      )
      const alertOf = new Map(changed.map((c) => [`${c.patientId}/${c.alertKey}`, c]))
      const results = inputs.map((i) => (known.has(i.patientId) ? alertOf.get(`${i.patientId}/flow:${i.flowId}:${i.key}`) ?? null : null))
      await audit.many(inputs.map((input, n) => {
        const alert = results[n]
        return alert
          ? { action: 'raise', resourceType: 'Alert', resourceId: alert.id, patientId: input.patientId, outcome: 'allowed' as const, details: { flowId: input.flowId, change: alert.change } }
          : { action: 'raise', resourceType: 'Alert', resourceId: null, patientId: null, outcome: 'denied' as const, details: { flowId: input.flowId, reason: 'patient-not-found' } }
      }))
      return results
    },

    /** Enqueues the alert for the recipients that may have it now (or for one); logged with who was enqueued. */
    async forwardAlert(alertId: string, recipientId: string | null): Promise<string[]> {
      requireService()
      const patientId = await findAlertPatient(db, actor.tenantId, alertId)
      if (!patientId) {
        await audit.one({ action: 'forward', resourceType: 'Alert', resourceId: alertId, patientId: null, outcome: 'denied' })
        throw new ERRORS.alertNotFound()
      }
      const recipients = await enqueueAlertForwarding(db, actor.tenantId, alertId, recipientId)
      await audit.one({ action: 'forward', resourceType: 'Alert', resourceId: alertId, patientId, outcome: 'allowed', details: { recipients: recipients.length } })
      return recipients
    },
  }
}
