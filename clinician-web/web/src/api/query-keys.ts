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
  episodes: (which: 'inbox' | 'snoozed') => ['episodes', which] as const,
  episodesAll: ['episodes'] as const,
  rules: (patientId: string) => ['rules', patientId] as const,
  adminGateways: ['admin', 'gateways'] as const,
  gatewayRejections: (id: string) => ['admin', 'gateways', id, 'rejections'] as const,
  adminUsers: ['admin', 'users'] as const,
  service: (patientId: string) => ['service', patientId] as const,
  pauses: (patientId: string) => ['pauses', patientId] as const,
  careTeam: (patientId: string) => ['care-team', patientId] as const,
  deliveries: (status: string) => ['deliveries', status] as const,
  proposals: (patientId: string) => ['proposals', patientId] as const,
  logEntries: (filter: object) => ['log-entries', filter] as const,
  logEntriesAll: ['log-entries'] as const,
  accessReport: ['access-report'] as const,
  myPage: ['my-page'] as const,
}
