import { careTeamMemberSchema, careTeamSchema, deliverySchema, objectionSchema, type Delivery } from '@varde/api-contract'
import { CARE_RELATIONS, OBJECTION_CHANNELS, PURPOSES_OF_USE, type CareTeamMember, type DeliveryView, type PatientObjection } from '../access/types.js'
import { careTeamChangedEvent, INTERNAL_TOPICS } from '@varde/domain'
import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { errorBody, isoInstant, storableText, uuidParam } from '../input-schemas.js'
import type { LiveEvents } from '../live-events.js'
import { accessOf, requireUser } from '../plugins/auth.js'

const text = (max: number) => storableText(max, { trim: true, min: 1 })
const organisationNumber = z.string().regex(/^[0-9]{9}$/, 'must be 9 digits (Enhetsregisteret)')
const herId = z.string().regex(/^[0-9]{1,9}$/, 'must be digits (HER-id)')
const hprNumber = z.string().regex(/^[0-9]{4,9}$/, 'must be 4–9 digits (HPR number)')
const day = z.iso.date()

const memberSchema = careTeamMemberSchema
const iso = (d: Date | null) => d?.toISOString() ?? null
const toMemberJson = (m: CareTeamMember): z.infer<typeof memberSchema> => ({
  ...m, period: { start: m.period.start.toISOString(), end: iso(m.period.end) }, decision: { ...m.decision, at: m.decision.at.toISOString() },
})
export const toObjectionJson = (o: PatientObjection): z.infer<typeof objectionSchema> => ({
  id: o.id, scope: o.scope, recipientId: o.recipientId, userId: o.userId, channel: o.channel, objectedOn: o.objectedOn, note: o.note,
  recordedByUserId: o.recordedByUserId, recordedAt: o.recordedAt.toISOString(),
  withdrawn: o.withdrawn ? { ...o.withdrawn, at: o.withdrawn.at.toISOString() } : null,
})
export const toDeliveryJson = (d: DeliveryView): Delivery => ({
  id: d.id, recipient: d.recipient, patient: d.patient, kind: d.kind, alertId: d.alertId,
  window: d.window ? { start: d.window.start.toISOString(), end: d.window.end.toISOString() } : null,
  status: d.status, attempts: d.attempts, nextAttemptAt: iso(d.nextAttemptAt), lastError: d.lastError, createdAt: d.createdAt.toISOString(),
  settledAt: iso(d.settledAt), share: d.share, requeued: d.requeued ? { at: d.requeued.at.toISOString(), byName: d.requeued.byName } : null,
})

const patientParams = z.object({ id: uuidParam })
const MANAGERS = 'A nurse, clinician or administrator of the municipality on the patient\'s care team; 403 for others on it (the outside GP, the patient).'

/**
 * The patient's care team (behandlingsteam; issue 18): relationships with
 * the trust framework's metadata, the patient's objections (reservasjon) and
 * the forwarding deliveries. Through the access layer (access/care-team.ts):
 * a caller without an active relationship is answered as for an unknown
 * patient, and every call leaves one access-log entry.
 */
export const careTeamRoutes: FastifyPluginAsyncZod<{ live: LiveEvents }> = async (app, { live }) => {
  app.addHook('preHandler', requireUser)

  /**
   * Who may see the patient changed: every server's live streams drop the
   * patient at once and read their access again (routes/events.ts), so an
   * ended relationship or an objection stops the pushes at once without a
   * query per pushed reading. Sent before the answer; a lost event leaves the
   * streams' own refresh (every minute) to catch up, and is logged.
   */
  const announce = async (request: FastifyRequest, patientId: string) => {
    const event = careTeamChangedEvent({ tenantId: accessOf(request).actor.tenantId, patientId })
    await live.announce(INTERNAL_TOPICS.careTeamChanged, JSON.stringify(event), request.log, { event: 'care-team-change-not-announced', patientId })
  }

  app.get('/api/patients/:id/care-team', {
    config: { access: 'patient' },
    schema: {
      tags: ['care-team'], summary: 'The patient\'s care team, objections, forwarding recipients and deliveries',
      description: 'Members, the active ones first, ended relationships kept with who ended them and why. Deliveries newest first, each with its status.',
      params: patientParams,
      response: { 200: careTeamSchema, 404: errorBody },
    },
  }, async (request) => {
    const view = await accessOf(request).careTeam.read(request.params.id)
    return {
      members: view.members.map(toMemberJson), objections: view.objections.map(toObjectionJson), recipients: view.recipients,
      deliveries: view.deliveries.map(toDeliveryJson), canManage: view.canManage, candidates: view.candidates,
    }
  })

  app.post('/api/patients/:id/care-team', {
    config: { access: 'patient' },
    schema: {
      tags: ['care-team'], summary: 'Add a relationship to the care team: a user of the municipality, or an organisation and practitioner outside it',
      description: `The decision is recorded: who (the caller), when, why (\`reason\`). ${MANAGERS} 409 \`already-member\` when the user has an active relationship already.`,
      params: patientParams,
      body: z.object({
        relation: z.enum(CARE_RELATIONS),
        userId: uuidParam.optional(),
        organisation: z.object({ name: text(200).optional(), number: organisationNumber.optional(), herId: herId.optional() }).optional(),
        practitioner: z.object({ name: text(200).optional(), hprNumber: hprNumber.optional() }).optional(),
        metadata: z.object({
          roleAuthorization: text(100).optional(),
          legalEntity: z.object({ number: organisationNumber.optional(), name: text(200).optional() }).optional(),
          pointOfCare: text(200).optional(), department: text(200).optional(), healthcareService: text(200).optional(),
          purposeOfUse: z.enum(PURPOSES_OF_USE).optional(),
        }).optional(),
        startsAt: isoInstant.optional().describe('Default: now'),
        endsAt: isoInstant.optional(),
        recipientId: uuidParam.optional().describe('The forwarding recipient this relationship forwards to'),
        reason: text(1000),
      }).refine((b) => b.userId || b.organisation?.number || b.organisation?.herId || b.practitioner?.hprNumber,
        'name the member: userId, an organisation number or HER-id, or an HPR number'),
      response: { 201: memberSchema, 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody },
    },
  }, async (request, reply) => {
    const b = request.body
    const member = await accessOf(request).careTeam.addMember(request.params.id, {
      relation: b.relation, userId: b.userId ?? null, organisation: b.organisation ?? null, practitioner: b.practitioner ?? null,
      ...(b.metadata ? { metadata: b.metadata } : {}), ...(b.startsAt ? { startsAt: new Date(b.startsAt) } : {}), endsAt: b.endsAt ? new Date(b.endsAt) : null,
      recipientId: b.recipientId ?? null, reason: b.reason,
    })
    await announce(request, request.params.id)
    return reply.code(201).send(toMemberJson(member))
  })

  app.post('/api/patients/:id/care-team/:memberId/end', {
    config: { access: 'patient' },
    schema: {
      tags: ['care-team'], summary: 'End a relationship now: access and forwarding stop at once',
      description: `${MANAGERS} 404 when there is no active relationship of that id.`,
      params: z.object({ id: uuidParam, memberId: uuidParam }),
      body: z.object({ reason: text(1000) }),
      response: { 200: memberSchema, 400: errorBody, 403: errorBody, 404: errorBody },
    },
  }, async (request) => {
    const member = await accessOf(request).careTeam.endMember(request.params.id, request.params.memberId, request.body.reason)
    await announce(request, request.params.id)
    return toMemberJson(member)
  })

  app.post('/api/patients/:id/objections', {
    config: { access: 'patient' },
    schema: {
      tags: ['care-team'], summary: 'Record the patient\'s objection (reservasjon): forwarding stops at once',
      description: `\`all-beyond-municipal\`: against all sharing beyond the municipal team; \`recipient\`: against one forwarding recipient (\`recipientId\`) or one outside member (\`userId\`), who no longer sees the patient. With the day and the channel the patient used. ${MANAGERS}`,
      params: patientParams,
      body: z.object({
        scope: z.enum(['all-beyond-municipal', 'recipient']),
        recipientId: uuidParam.optional(), userId: uuidParam.optional(),
        channel: z.enum(OBJECTION_CHANNELS), objectedOn: day.optional().describe('Default: today'), note: text(1000).optional(),
      }).refine((b) => (b.scope === 'recipient') === Boolean(b.recipientId || b.userId), 'a recipient objection names recipientId or userId; an objection to all names neither'),
      response: { 201: objectionSchema, 400: errorBody, 403: errorBody, 404: errorBody },
    },
  }, async (request, reply) => {
    const b = request.body
    const objection = await accessOf(request).careTeam.recordObjection(request.params.id, {
      scope: b.scope, recipientId: b.recipientId ?? null, userId: b.userId ?? null, channel: b.channel, ...(b.objectedOn ? { objectedOn: b.objectedOn } : {}), note: b.note ?? null,
    })
    await announce(request, request.params.id)
    return reply.code(201).send(toObjectionJson(objection))
  })

  app.post('/api/patients/:id/objections/:objectionId/withdraw', {
    config: { access: 'patient' },
    schema: {
      tags: ['care-team'], summary: 'Withdraw an objection, with the channel the patient used',
      description: `${MANAGERS} 404 when no objection of that id is in force.`,
      params: z.object({ id: uuidParam, objectionId: uuidParam }),
      body: z.object({ channel: z.enum(OBJECTION_CHANNELS) }),
      response: { 200: objectionSchema, 400: errorBody, 403: errorBody, 404: errorBody },
    },
  }, async (request) => {
    const objection = await accessOf(request).careTeam.withdrawObjection(request.params.id, request.params.objectionId, request.body.channel)
    await announce(request, request.params.id)
    return toObjectionJson(objection)
  })

  app.post('/api/alerts/:id/share', {
    config: { access: 'patient' },
    schema: {
      tags: ['care-team'], summary: 'Del med fastlege: forward the alert to the patient\'s GP now, with a note',
      description: `A delivery of the forwarding outbox to the recipient of the patient's GP relationship, answered pending (202): follow its status on the patient's care team. 409 \`no-gp\` (no GP who receives forwarding), \`relationship-ended\`, \`patient-objects\` (an objection stands against the GP): nothing is forwarded. ${MANAGERS} 404 for an alert the caller does not see.`,
      params: z.object({ id: uuidParam }),
      body: z.object({ note: text(1000).optional().describe('The nurse\'s words to the GP, sent in the Communication') }),
      response: { 202: deliverySchema, 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody },
    },
  }, async (request, reply) => {
    const delivery = await accessOf(request).careTeam.shareAlert(request.params.id, request.body.note ?? null)
    return reply.code(202).send(toDeliveryJson(delivery))
  })
}
