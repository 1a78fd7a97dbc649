import { z } from 'zod'
import { storableText } from './input.js'

/**
 * The care team (behandlingsteam; issue 18, docs/decisions/0013 and 0023):
 * relationships with the trust framework's metadata, the patient's
 * objections, the forwarding recipients and deliveries, and "Del med
 * fastlege". The server's routes answer with these shapes; the portal reads them.
 */
export const CARE_RELATIONS = ['home-care', 'response-centre', 'gp', 'hospital'] as const
export type CareRelation = (typeof CARE_RELATIONS)[number]
/** HL7 v3 PurposeOfUse: treatment, emergency treatment, coordination of care. */
export const PURPOSES_OF_USE = ['TREAT', 'ETREAT', 'COC'] as const
export const OBJECTION_CHANNELS = ['in-person', 'phone', 'letter', 'digital', 'next-of-kin'] as const
export type ObjectionChannel = (typeof OBJECTION_CHANNELS)[number]
export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead', 'cancelled'] as const
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number]

export const careTeamMemberSchema = z.object({
  id: z.string(),
  relation: z.enum(CARE_RELATIONS),
  user: z.object({ id: z.string(), displayName: z.string(), role: z.string(), hprNumber: z.string().nullable() }).nullable()
    .describe('A user of the municipality (or the outside GP\'s login); null for a member outside the tenant'),
  organisation: z.object({ name: z.string().nullable(), number: z.string().nullable(), herId: z.string().nullable() }).nullable(),
  practitioner: z.object({ name: z.string().nullable(), hprNumber: z.string().nullable() }).nullable(),
  metadata: z.object({
    roleAuthorization: z.string().nullable().describe('Role and authorization (e.g. the HPR authorization LE, SP)'),
    legalEntity: z.object({ number: z.string().nullable(), name: z.string().nullable() }),
    pointOfCare: z.string().nullable(), department: z.string().nullable(), healthcareService: z.string().nullable(),
    purposeOfUse: z.enum(PURPOSES_OF_USE).describe('HL7 v3 PurposeOfUse: TREAT, ETREAT, COC'),
  }).describe('The relationship as the trust framework (felles tillitsrammeverk) describes it'),
  period: z.object({ start: z.string(), end: z.string().nullable() }),
  isActive: z.boolean().describe('Access and forwarding follow an active relationship only'),
  decision: z.object({ byUserId: z.string().nullable(), byName: z.string().nullable(), at: z.string(), reason: z.string().nullable() }),
  ended: z.object({ byUserId: z.string().nullable(), reason: z.string().nullable() }).nullable(),
  recipient: z.object({ id: z.string(), name: z.string() }).nullable().describe('Where this relationship\'s forwarding goes'),
})
export type CareTeamMember = z.infer<typeof careTeamMemberSchema>

export const objectionSchema = z.object({
  id: z.string(), scope: z.enum(['all-beyond-municipal', 'recipient']), recipientId: z.string().nullable(), userId: z.string().nullable(),
  channel: z.enum(OBJECTION_CHANNELS), objectedOn: z.string(), note: z.string().nullable(), recordedByUserId: z.string(), recordedAt: z.string(),
  withdrawn: z.object({ at: z.string(), byUserId: z.string().nullable(), channel: z.enum(OBJECTION_CHANNELS) }).nullable(),
})
export type PatientObjection = z.infer<typeof objectionSchema>

export const deliverySchema = z.object({
  id: z.string(),
  recipient: z.object({ id: z.string(), name: z.string() }),
  patient: z.object({ id: z.string(), displayName: z.string() }),
  kind: z.enum(['alert', 'readings', 'summary']),
  alertId: z.string().nullable(),
  window: z.object({ start: z.string(), end: z.string() }).nullable().describe('Readings received in [start, end)'),
  status: z.enum(DELIVERY_STATUSES).describe('pending (with nextAttemptAt; retrying when attempts > 0), delivered, dead (a dead letter), cancelled (an objection or an ended relationship came first)'),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastError: z.string().nullable().describe('A code and status, never health data'),
  createdAt: z.string(),
  settledAt: z.string().nullable(),
  share: z.object({ byName: z.string().nullable(), note: z.string().nullable() }).nullable().describe('"Del med fastlege": who shared it, and the note'),
  requeued: z.object({ at: z.string(), byName: z.string().nullable() }).nullable(),
})
export type Delivery = z.infer<typeof deliverySchema>

export const recipientSchema = z.object({
  id: z.string(), name: z.string(), organisationNumber: z.string().nullable(), herId: z.string().nullable(), transport: z.enum(['fhir-rest', 'pmd']),
  sends: z.object({ redAlerts: z.boolean(), dailyReadings: z.boolean() }).describe('What the recipient gets'),
})
export type ForwardingRecipient = z.infer<typeof recipientSchema>

export const teamCandidateSchema = z.object({
  id: z.string(), displayName: z.string(), role: z.string(), hprNumber: z.string().nullable(), organisationName: z.string().nullable(),
})
export type TeamCandidate = z.infer<typeof teamCandidateSchema>

export const careTeamSchema = z.object({
  members: z.array(careTeamMemberSchema), objections: z.array(objectionSchema), recipients: z.array(recipientSchema),
  deliveries: z.array(deliverySchema), canManage: z.boolean(),
  candidates: z.array(teamCandidateSchema).describe('The tenant\'s users a manager may add; empty for others'),
})
export type CareTeam = z.infer<typeof careTeamSchema>

export const deliveryListSchema = z.object({ items: z.array(deliverySchema) })

/** A recipient's settings as the tenant's administrator sees and changes them (/admin/deliveries). */
export const recipientSettingsSchema = z.object({
  id: z.string(), name: z.string(), organisationNumber: z.string().nullable(), herId: z.string().nullable(), transport: z.enum(['fhir-rest', 'pmd']),
  baseUrl: z.string().nullable().describe('The FHIR endpoint; null: the receiver built into demo mode, or the national route\'s own address'),
  isDemo: z.boolean(),
  sends: z.object({ redAlerts: z.boolean(), dailyReadings: z.boolean(), weeklySummary: z.boolean() }),
})
export type RecipientSettings = z.infer<typeof recipientSettingsSchema>
export const recipientSettingsListSchema = z.object({ items: z.array(recipientSettingsSchema) })

/** What the administrator may change: the name, the endpoint, what it gets. Identity (organisation, HER-id, transport) is not. */
export const recipientChangeBody = z.object({
  name: storableText(200, { trim: true, min: 1 }).optional(),
  baseUrl: z.url({ protocol: /^https?$/ }).max(2000).optional(),
  sends: z.object({ redAlerts: z.boolean().optional(), dailyReadings: z.boolean().optional(), weeklySummary: z.boolean().optional() }).strict().optional(),
}).strict()
export type RecipientChange = z.infer<typeof recipientChangeBody>
