import { canAccessPatient, findPatientForUser, listMeasurements, listPatientsForUser, readTrend, type MeasurementQuery as StoreQuery, type PatientSummary, type StoredMeasurement, type Trend } from '@varde/db'
import { ERRORS } from '../errors/api-errors.js'
import { rowFactsOf, type RowFacts } from './row-facts.js'
import { userIdOf, type AccessContext } from './context.js'

export type MeasurementQuery = Omit<StoreQuery, 'tenantId' | 'patientId'>

/**
 * A patient's data as the actor may see it: only a patient the actor gives
 * care to (care-relationship.ts); any other is answered as one that does
 * not exist, and the refusal is in the access log.
 */
export function patientAccess({ db, actor, audit }: AccessContext) {
  const userId = () => userIdOf(actor)
  /** The patient, or PatientNotFound; one log entry either way. */
  const readPatient = async (id: string, entry: { action: string; resourceType: string; details?: Record<string, unknown> }): Promise<PatientSummary> => {
    const patient = await findPatientForUser(db, actor.tenantId, userId(), id)
    await audit.one({ ...entry, resourceId: id, patientId: patient?.id ?? null, outcome: patient ? 'allowed' : 'denied' })
    if (!patient) throw new ERRORS.patientNotFound()
    return patient
  }
  return {
    /** The actor's patients, one log row per patient shown. */
    async list(): Promise<PatientSummary[]> {
      const patients = await listPatientsForUser(db, actor.tenantId, userId())
      await audit.many(patients.map((p) => ({ action: 'list', resourceType: 'Patient', resourceId: p.id, patientId: p.id, outcome: 'allowed' as const })))
      return patients
    },

    /** Adherence and the colours of the latest values of patients just listed or read (their access checked and logged there). */
    rowFacts: (patients: readonly PatientSummary[]): Promise<Map<string, RowFacts>> => rowFactsOf(db, patients),

    read: (id: string, details?: Record<string, unknown>) => readPatient(id, { action: 'read', resourceType: 'Patient', ...(details ? { details } : {}) }),

    /** Readings in a range; `audit` says how the read is logged (the API's read, FHIR's search). */
    async measurements(
      patientId: string, q: MeasurementQuery, log: { action: 'read' | 'search'; details: Record<string, unknown> } = { action: 'read', details: {} },
    ): Promise<StoredMeasurement[]> {
      const allowed = await canAccessPatient(db, actor.tenantId, userId(), patientId)
      await audit.one({ action: log.action, resourceType: 'Observation', resourceId: patientId, patientId: allowed ? patientId : null, outcome: allowed ? 'allowed' : 'denied', details: log.details })
      if (!allowed) throw new ERRORS.patientNotFound()
      if (q.types && q.types.length === 0) return []
      return listMeasurements(db, { ...q, tenantId: actor.tenantId, patientId })
    },

    /** One vital's trend (issue 21): logged as a read of the patient's Observations, as the readings are. */
    async trend(patientId: string, q: { type: string; from: Date; to: Date }): Promise<Trend> {
      const allowed = await canAccessPatient(db, actor.tenantId, userId(), patientId)
      await audit.one({
        action: 'read', resourceType: 'Observation', resourceId: patientId, patientId: allowed ? patientId : null, outcome: allowed ? 'allowed' : 'denied',
        details: { trend: q.type, from: q.from.toISOString(), to: q.to.toISOString() },
      })
      if (!allowed) throw new ERRORS.patientNotFound()
      return readTrend(db, { ...q, tenantId: actor.tenantId, patientId })
    },
  }
}
