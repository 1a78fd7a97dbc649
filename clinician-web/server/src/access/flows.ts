import {
  applyRuleActions, enqueueAlertForwarding, findAlertPatient, findTenantPatient, listTenantReadings,
  type ChangedAlert, type FlowPatient, type FlowReading, type FlowReadingsQuery,
} from '@varde/db'
import type { RuleKind, RuleParams, Severity, VitalType } from '@varde/domain'
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

    /** Opens the flow's alert, or counts the finding on the open one with the same key. */
    async raiseAlert(input: FlowAlertInput): Promise<ChangedAlert> {
      requireService()
      const patient = await findTenantPatient(db, actor.tenantId, input.patientId)
      if (!patient) {
        await audit.one({ action: 'raise', resourceType: 'Alert', resourceId: input.patientId, patientId: null, outcome: 'denied', details: { flowId: input.flowId } })
        throw new ERRORS.patientNotFound()
      }
      // the readings the flow names, only the patient's own: the alert shows them as its evidence
      const readings = input.readingIds.length === 0 ? [] : await listTenantReadings(db, { tenantId: actor.tenantId, patientId: patient.id, ids: input.readingIds, limit: 50 })
      const finding = {
        ruleId: `flow:${input.flowId}`, ruleVersion: '1',
        // a flow's rule is none of the platform's kinds; the column and the API take any text
        ruleKind: 'flow' as unknown as RuleKind,
        // a flow's thresholds are in its own nodes; its numbers are the measures
        severity: input.severity, thresholds: {} as unknown as RuleParams, measures: input.measures,
        readings: readings.map((r) => ({ type: r.type as VitalType, value: r.value, unit: r.unit, measuredAt: new Date(r.measuredAt), measurementId: r.id, deviceId: '' })),
        summary: input.summary, news2Score: null, source: `Node-RED: ${input.flowName}`, triggeredAt: input.triggeredAt,
      }
      const changed = await applyRuleActions(db, [{
        tenantId: actor.tenantId, patientId: patient.id,
        actions: [{ kind: 'open', alert: { ...finding, alertKey: `flow:${input.flowId}:${input.key}`, count: 1, openedAt: new Date(), isConditionActive: true } }],
      }], [], randomUUID)
      const alert = changed[0]
      if (!alert) throw new Error('the flow alert statement changed no alert')
      await audit.one({ action: 'raise', resourceType: 'Alert', resourceId: alert.id, patientId: patient.id, outcome: 'allowed', details: { flowId: input.flowId, change: alert.change } })
      return alert
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
