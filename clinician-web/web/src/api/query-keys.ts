
/**
 * The keys of the portal's cached queries (TanStack Query), one place: live
 * events and actions name what they update or invalidate by these.
 */
export const queryKeys = {
  session: ['session'] as const,
  patients: ['patients'] as const,
  patient: (id: string) => ['patient', id] as const,
  /** One vital's trend over one window; under measurementsOf, so live readings and refreshes reach it. */
  trend: (id: string, vital: string, fromMs: number, toMs: number) =>
    ['measurements', id, 'trend', vital, fromMs, toMs] as const,
  /** Every alert of one patient (open to resolved), for the chart's markers. */
  chartAlerts: (id: string) => ['alerts', 'chart', id] as const,
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
  recipientSettings: ['recipient-settings'] as const,
  proposals: (patientId: string) => ['proposals', patientId] as const,
  whatIf: (patientId: string, ruleId: string, change: string) => ['what-if', patientId, ruleId, change] as const,
  logEntries: (filter: object) => ['log-entries', filter] as const,
  logEntriesAll: ['log-entries'] as const,
  accessReport: ['access-report'] as const,
  myPage: ['my-page'] as const,
  /** Under myPage: an objection's invalidation of the page refreshes the trends too. */
  myTrend: (vital: string, days: number) => ['my-page', 'trend', vital, days] as const,
  listViews: ['list-views'] as const,
  shift: ['shift'] as const,
  shiftSince: (since: string | null) => ['shift', since] as const,
  handovers: (patientId: string) => ['handovers', patientId] as const,
}
