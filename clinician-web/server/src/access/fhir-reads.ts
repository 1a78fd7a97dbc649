import {
  canAccessPatient, countObservations, findPractitioners, findTenantOrganization, lastUpdatedOf, findPatientForUser, findReadingPatient, listDevicesForUser, listObservations, listRuleOverrides,
  type DeviceRecord, type ObservationQuery as StoreQuery, type ObservationRow, type OrganizationRecord, type PractitionerRecord,
} from '@varde/db'
import { enabledRules, resolvePatientRules, type VitalBands } from '@varde/domain'
import { ERRORS } from '../errors/api-errors.js'
import { userIdOf, type AccessContext } from './context.js'

export type ObservationQuery = Omit<StoreQuery, 'tenantId' | 'patientId' | 'only'>

/** An Observation's row with the patient's alert thresholds in effect (its `interpretation`, issue 22). */
export type InterpretedRow = ObservationRow & { thresholds: readonly VitalBands[] }

/**
 * FHIR's reads of readings and devices (platform-contract.md "FHIR R4"):
 * each checks the care relationship, writes ONE access-log entry (a search
 * too, however many it shows) and answers a resource of a patient the actor
 * does not care for as one that does not exist.
 */
export function fhirReadAccess({ db, actor, audit }: AccessContext) {
  const userId = () => userIdOf(actor)
  /**
   * The bands of the patient's enabled threshold rules as in effect now (the
   * rule set the portal shows): part of the read already allowed and logged,
   * so no entry of its own.
   */
  async function thresholdsOf(patientId: string): Promise<VitalBands[]> {
    const patient = await findPatientForUser(db, actor.tenantId, userId(), patientId)
    if (!patient) return []
    const overrides = await listRuleOverrides(db, { tenantId: actor.tenantId, userId: userId(), patientId })
    return enabledRules(resolvePatientRules(patient.conditions, overrides), 'threshold').flatMap((r) => r.params.vitals)
  }
  return {
    /** A patient's Observations, a page at a time; one entry for the search. */
    async observations(patientId: string, q: ObservationQuery, details: Record<string, unknown>): Promise<InterpretedRow[]> {
      const allowed = await canAccessPatient(db, actor.tenantId, userId(), patientId)
      await audit.one({ action: 'search', resourceType: 'Observation', resourceId: patientId, patientId: allowed ? patientId : null, outcome: allowed ? 'allowed' : 'denied', details: { api: 'fhir', ...details } })
      if (!allowed) throw new ERRORS.patientNotFound()
      if (q.kinds && q.kinds.length === 0) return []
      const rows = await listObservations(db, { ...q, tenantId: actor.tenantId, patientId })
      const thresholds = rows.length ? await thresholdsOf(patientId) : []
      return rows.map((row) => ({ ...row, thresholds }))
    },

    /**
     * `Observation/$lastn` (issue 21): the newest `max` Observations of each
     * kind, newest first, one index read per kind (at most 9), however long
     * the history; one entry for the operation, as a search's.
     */
    async lastN(patientId: string, kinds: readonly string[], max: number, details: Record<string, unknown>): Promise<InterpretedRow[]> {
      const allowed = await canAccessPatient(db, actor.tenantId, userId(), patientId)
      await audit.one({ action: 'search', resourceType: 'Observation', resourceId: patientId, patientId: allowed ? patientId : null, outcome: allowed ? 'allowed' : 'denied', details: { api: 'fhir', operation: 'lastn', ...details } })
      if (!allowed) throw new ERRORS.patientNotFound()
      const rows: ObservationRow[] = []
      for (const kind of kinds) rows.push(...await listObservations(db, { tenantId: actor.tenantId, patientId, kinds: [kind], order: 'desc', limit: max }))
      const thresholds = rows.length ? await thresholdsOf(patientId) : []
      return rows.map((row) => ({ ...row, thresholds }))
    },

    /** How many Observations a search finds (`_summary=count`); one entry for the search, as a page's. */
    async countObservations(patientId: string, q: Omit<ObservationQuery, 'limit' | 'after' | 'order'>, details: Record<string, unknown>): Promise<number> {
      const allowed = await canAccessPatient(db, actor.tenantId, userId(), patientId)
      await audit.one({ action: 'search', resourceType: 'Observation', resourceId: patientId, patientId: allowed ? patientId : null, outcome: allowed ? 'allowed' : 'denied', details: { api: 'fhir', summary: 'count', ...details } })
      if (!allowed) throw new ERRORS.patientNotFound()
      if (q.kinds && q.kinds.length === 0) return 0
      return countObservations(db, { ...q, tenantId: actor.tenantId, patientId })
    },

    /**
     * When the patients and gateways just read last changed (meta.lastUpdated):
     * a time of a record the same request read and logged, so no entry of its
     * own; those the actor may not see are left out.
     */
    lastUpdated: (of: { patients?: readonly string[]; gateways?: readonly string[] }) => lastUpdatedOf(db, actor.tenantId, userId(), of),

    /** Practitioners on the care teams the actor may read (and the actor themself): by id, by HPR number; one entry. */
    async practitioners(by: { id?: string; hprNumber?: string }, action: 'read' | 'search'): Promise<PractitionerRecord[]> {
      const found = await findPractitioners(db, actor.tenantId, userId(), by)
      await audit.one({
        action, resourceType: 'Practitioner', resourceId: by.id ?? null, patientId: null, outcome: found.length || action === 'search' ? 'allowed' : 'denied',
        details: { api: 'fhir', ...(by.hprNumber ? { hprNumber: by.hprNumber } : {}), shown: found.length },
      })
      return found
    },

    /**
     * The municipality (the tenant) as an Organization, by id or organisation
     * number: its name and public registry numbers, nothing of a patient or of
     * who may see one, so no access-log entry (its routes say `access: 'none'`).
     */
    organization: (by: { id?: string; organisationNumber?: string }): Promise<OrganizationRecord | null> => findTenantOrganization(db, actor.tenantId, by),

    /** One Observation by its reading's id and time, or PatientNotFound as for none. */
    async observation(id: string, measuredAt: Date, resourceId: string): Promise<InterpretedRow> {
      const patientId = await findReadingPatient(db, actor.tenantId, id, measuredAt)
      const allowed = patientId !== null && (await canAccessPatient(db, actor.tenantId, userId(), patientId))
      const found = allowed ? (await listObservations(db, { tenantId: actor.tenantId, patientId, only: { id, measuredAt }, limit: 1 }))[0] : undefined
      await audit.one({ action: 'read', resourceType: 'Observation', resourceId, patientId: found ? patientId : null, outcome: found ? 'allowed' : 'denied', details: { api: 'fhir' } })
      if (!found) throw new ERRORS.patientNotFound()
      return { ...found, thresholds: await thresholdsOf(found.patientId) }
    },

    /** The device (gateway or BLE device) of one of the actor's patients that `isIt` names, or PatientNotFound. */
    async device(resourceId: string, isIt: (d: DeviceRecord) => boolean): Promise<DeviceRecord> {
      const device = (await listDevicesForUser(db, actor.tenantId, userId())).find(isIt)
      await audit.one({ action: 'read', resourceType: 'Device', resourceId, patientId: device?.patientId ?? null, outcome: device ? 'allowed' : 'denied', details: { api: 'fhir' } })
      if (!device) throw new ERRORS.patientNotFound()
      return device
    },
  }
}
