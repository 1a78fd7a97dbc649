import { z } from 'zod'
import { objectionSchema } from './care-team.js'
import { uuidParam } from './input.js'

/**
 * The patient's own page (issue 25, /min-side): one load of what a patient
 * user may read about themself. The routes carry no patient id: the server
 * takes the patient from the session, so another patient's data cannot be
 * named.
 */
const band = z.object({ low: z.number().nullable(), high: z.number().nullable() })

export const myPageSchema = z.object({
  displayName: z.string(),
  serviceState: z.enum(['referred', 'active', 'paused', 'ended']),
  gateway: z.object({ state: z.enum(['online', 'offline', 'unknown']), battery: z.number().nullable(), lastSeenAt: z.string().nullable() }).nullable(),
  devices: z.array(z.object({ deviceId: z.string(), battery: z.number().nullable(), lastSeenAt: z.string().nullable() })),
  readings: z.array(z.object({
    id: z.string(), type: z.string(), value: z.number(), unit: z.string(), measuredAt: z.string(), receivedAt: z.string(), deviceId: z.string().nullable(),
  })).describe('The last 14 days, newest first'),
  targets: z.array(z.object({ vital: z.string(), yellow: band, red: band })).describe('The threshold bands the care team set (or the profile gives)'),
  selfCarePlan: z.object({ text: z.string(), updatedAt: z.string().nullable() }),
  today: z.array(z.object({ vital: z.string(), windowStart: z.string(), deadline: z.string(), status: z.enum(['done', 'due', 'missed', 'paused']) })),
  objections: z.array(objectionSchema),
  recipients: z.array(z.object({ memberId: z.string(), relation: z.string(), name: z.string(), objectionId: z.string().nullable() }))
    .describe('Those on the care team outside the municipal team, whom the patient may object to one by one'),
})
export type MyPage = z.infer<typeof myPageSchema>

export const myObjectionInputSchema = z.object({
  scope: z.enum(['all-beyond-municipal', 'recipient']),
  memberId: uuidParam.optional().describe('For a recipient objection: one of `recipients`'),
}).refine((b) => (b.scope === 'recipient') === Boolean(b.memberId), 'a recipient objection names memberId; an objection to all names none')

/**
 * A questionnaire answer from /min-side (issue 25, ADR 0042). `answers` is
 * checked by the server against the instrument (CAT: 8 items, each a whole
 * number 0–5; daily: one, 1–5) and refused with `invalid-questionnaire`, so
 * it is loose here. `clientId` is the client's own id: sending it again
 * stores nothing new and answers with the stored answer.
 */
export const myAnswerInputSchema = z.object({
  clientId: z.string().min(1).max(100).regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only'),
  instrument: z.enum(['cat', 'daily']),
  answers: z.array(z.unknown()).max(20),
})
export type MyAnswerInput = z.infer<typeof myAnswerInputSchema>

export const myAnswerSchema = z.object({
  clientId: z.string(),
  instrument: z.enum(['cat', 'daily']),
  items: z.array(z.number()),
  score: z.number(),
  answeredAt: z.string(),
  readingId: z.string(),
  severity: z.enum(['green', 'yellow', 'red']).describe('The score against my own thresholds, as the rules judge it'),
  impact: z.enum(['low', 'medium', 'high', 'very-high']).nullable().describe('CAT only: the CAT user guide\'s impact band'),
})
export type MyAnswer = z.infer<typeof myAnswerSchema>
