/**
 * The records the access layer hands out, re-exported so that routes never
 * import `@varde/db` (eslint.config.js forbids it; docs/decisions/0010).
 */
export type {
  AlertRecord, AlertStatus, Queryable, AlertWithHistory, DeviceRecord, GatewaySummary, PatientSummary, ServicePauseRecord, StoredMeasurement, ObservationRow,
} from '@varde/db'
export { ALERT_OUTCOMES, BP_PANEL, CARE_ROLES } from '@varde/db'
export type { CareTeamMember, DeliveryRecord, DeliveryView, ForwardingRecipient, PatientObjection, TeamCandidate } from '@varde/db'
export { CARE_RELATIONS, OBJECTION_CHANNELS, PURPOSES_OF_USE } from '@varde/db'
export type { LogEntry, LogPeriodSummary } from '@varde/db'
export type { OrganizationRecord, PractitionerRecord } from '@varde/db'
