import { canAccessPatient, findDevicesByIdentifier, findPatientForUser, findPatientIdsByNationalId, type DeviceRecord, type PatientSummary } from '@varde/db'
import { userIdOf, type AccessContext } from './context.js'

/**
 * Searches by identifier (FHIR `Patient?identifier=`, `Device?identifier=`).
 * A match the actor gives no care to is left out, as one that does not
 * exist; the search is one log entry, saying how many matched, which were
 * shown and how many were withheld (issue 15: once per search, not per id).
 */
export function searchAccess({ db, actor, audit }: AccessContext) {
  const log = (resourceType: string, matched: { patientId: string | null }[], shown: { patientId: string | null }[]) => audit.one({
    action: 'search', resourceType, resourceId: null,
    // a search that shows one patient is in that patient's log
    patientId: shown.length === 1 ? shown[0]!.patientId : null,
    outcome: shown.length > 0 || matched.length === 0 ? 'allowed' : 'denied',
    // the withheld ones too, so each patient's log can tell who looked for it
    details: {
      api: 'fhir', matched: matched.length, shown: shown.map((s) => s.patientId),
      withheld: matched.filter((m) => !shown.some((s) => s.patientId === m.patientId)).map((m) => m.patientId),
    },
  })
  return {
    async patientsByNationalId(nationalId: string | null): Promise<PatientSummary[]> {
      const ids = nationalId ? await findPatientIdsByNationalId(db, actor.tenantId, nationalId) : []
      const found = await Promise.all(ids.map((id) => findPatientForUser(db, actor.tenantId, userIdOf(actor), id)))
      const shown = found.filter((p): p is PatientSummary => p !== null)
      await log('Patient', ids.map((id) => ({ patientId: id })), shown.map((p) => ({ patientId: p.id })))
      return shown
    },

    async devicesByIdentifier(identifier: string): Promise<DeviceRecord[]> {
      const devices = await findDevicesByIdentifier(db, actor.tenantId, identifier)
      const shown: DeviceRecord[] = []
      for (const d of devices) {
        if (d.patientId !== null && (await canAccessPatient(db, actor.tenantId, userIdOf(actor), d.patientId))) shown.push(d)
      }
      await log('Device', devices, shown)
      return shown
    },
  }
}
