import type { RangeDays } from '../pages/range-days'

/**
 * The keys of the portal's cached queries (TanStack Query), one place: live
 * events and actions name what they update or invalidate by these.
 */
export const queryKeys = {
  session: ['session'] as const,
  patients: ['patients'] as const,
  patient: (id: string) => ['patient', id] as const,
  measurements: (id: string, days: RangeDays) => ['measurements', id, days] as const,
  measurementsOf: (id: string) => ['measurements', id] as const,
  alerts: ['alerts'] as const,
  rules: (patientId: string) => ['rules', patientId] as const,
  logEntries: (filter: object) => ['log-entries', filter] as const,
  logEntriesAll: ['log-entries'] as const,
  accessReport: ['access-report'] as const,
}
