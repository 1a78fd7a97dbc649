import { z } from 'zod'
import { bigintIdParam, isoInstant, storableText, uuidParam } from './input.js'

/**
 * POST /api/patients/:id/emergency-access (break the glass, issue 19): why,
 * and, for a password session, the password again. A HelseID session sends
 * none: it logs in at HelseID again first (issue 24; 401
 * `reauthentication-required` until it has, within 5 minutes).
 */
export const emergencyAccessBody = z.object({
  reason: storableText(500, { min: 10, trim: true }),
  password: z.string().min(1).max(200).optional(),
})
export const emergencyAccessSchema = z.object({ patientId: z.string(), expiresAt: z.string() })
export type EmergencyAccessGrant = z.infer<typeof emergencyAccessSchema>

/** Why log control raises an entry for review (issue 19). */
export const AUDIT_FLAGS = ['emergency', 'no-relationship', 'after-hours', 'same-surname', 'unusual-volume', 'denied'] as const
export type AuditFlag = (typeof AUDIT_FLAGS)[number]

export const auditReviewSchema = z.object({ reviewedAt: z.string(), reviewedBy: z.string(), note: z.string() })

/** One access-log entry as the privacy officer sees it (GET /api/log-control/entries). */
export const auditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  actorName: z.string().nullable(),
  actorRole: z.string().nullable(),
  organisation: z.string().nullable(),
  hpr: z.string().nullable(),
  patientId: z.string().nullable(),
  patientName: z.string().nullable(),
  action: z.string(),
  resourceType: z.string(),
  resourceId: z.string().nullable(),
  outcome: z.enum(['allowed', 'denied']),
  purpose: z.string().nullable(),
  /** The reason given for an emergency access. */
  reason: z.string().nullable(),
  ip: z.string().nullable(),
  client: z.string().nullable(),
  flags: z.array(z.enum(AUDIT_FLAGS)),
  review: auditReviewSchema.nullable(),
})
export type AuditEntry = z.infer<typeof auditEntrySchema>
export const auditEntryListSchema = z.object({ items: z.array(auditEntrySchema) })

export const auditEntryQuerySchema = z.object({
  patient: uuidParam.optional(),
  /** A username (exact). */
  user: storableText(100, { trim: true }).optional(),
  from: isoInstant.optional(),
  to: isoInstant.optional(),
  action: storableText(100, { trim: true }).optional(),
  outcome: z.enum(['allowed', 'denied']).optional(),
  /** `flagged`: only entries with a flag; `open`: flagged and not yet reviewed. */
  show: z.enum(['all', 'flagged', 'open']).default('all'),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
})
export type AuditEntryQuery = z.input<typeof auditEntryQuerySchema>

export const auditEntryIdParams = z.object({ id: bigintIdParam })
export const auditReviewBody = z.object({ note: storableText(2000, { min: 1, trim: true }) })

/** GET /api/log-control/report?month=YYYY-MM (CSV). */
export const controlReportQuerySchema = z.object({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be YYYY-MM') })

/** One line of the patient's own access report (GET /api/me/access-report): who saw or received my data, when, why. */
export const accessReportEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  who: z.string(),
  role: z.string().nullable(),
  organisation: z.string().nullable(),
  action: z.string(),
  resourceType: z.string(),
  purpose: z.string().nullable(),
  reason: z.string().nullable(),
})
export type AccessReportEntry = z.infer<typeof accessReportEntrySchema>
export const accessReportSchema = z.object({ patientName: z.string(), items: z.array(accessReportEntrySchema) })
export type AccessReport = z.infer<typeof accessReportSchema>

/** GET /api/log-control/export: the filtered log, whole, streamed as CSV or JSON lines (one entry a line), newest first. */
export const auditExportQuerySchema = auditEntryQuerySchema.omit({ limit: true }).extend({
  format: z.enum(['csv', 'jsonl']).default('csv'),
})
export type AuditExportQuery = z.input<typeof auditExportQuerySchema>

/** GET /api/log-control/report/summary?month=YYYY-MM&format=pdf|csv: the month's counts (the monthly control report). */
export const controlSummaryQuerySchema = controlReportQuerySchema.extend({ format: z.enum(['pdf', 'csv']).default('pdf') })
