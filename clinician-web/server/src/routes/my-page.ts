import { errorBody, myAnswerInputSchema, myAnswerSchema, myObjectionInputSchema, myPageSchema, objectionSchema, trendQuerySchema, trendSchema, uuidParam, type MyAnswer, type MyPage } from '@varde/api-contract'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { catImpact } from '@varde/domain'
import type { MyAnswerView, MyPageView } from '../access/my-page.js'
import { accessOf, requireUser } from '../plugins/auth.js'
import { toObjectionJson } from './care-team.js'

const iso = (d: Date | null) => d?.toISOString() ?? null
const SELF = 'The patient user\'s own (issue 25): the patient is the session\'s, never an id in the request; 404 for any other user.'

function toJson(v: MyPageView): MyPage {
  const p = v.patient
  return {
    displayName: p.displayName, serviceState: p.serviceState,
    gateway: p.gateway ? { ...p.gateway, lastSeenAt: iso(p.gateway.lastSeenAt) } : null,
    devices: p.devices.map((d) => ({ ...d, lastSeenAt: iso(d.lastSeenAt) })),
    readings: v.readings.map((r) => ({ ...r, measuredAt: r.measuredAt.toISOString(), receivedAt: r.receivedAt.toISOString() })),
    targets: v.targets,
    selfCarePlan: { text: p.selfCarePlan, updatedAt: iso(p.selfCarePlanUpdatedAt) },
    today: v.today.map((t) => ({ vital: t.vital, windowStart: t.windowStart.toISOString(), deadline: t.deadline.toISOString(), status: t.status })),
    objections: v.objections.map(toObjectionJson),
    recipients: v.recipients,
  }
}

function toAnswerJson(v: MyAnswerView): MyAnswer {
  const a = v.answer
  return {
    clientId: a.clientId, instrument: a.instrument, items: a.items, score: a.score, answeredAt: a.answeredAt.toISOString(), readingId: a.readingId,
    severity: v.severity ?? 'green', impact: a.instrument === 'cat' ? catImpact(a.score) : null,
  }
}

/** The patient's own page (/min-side): read it, object to sharing, withdraw an objection, answer a questionnaire. */
export const myPageRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('preHandler', requireUser)

  app.get('/api/me/page', {
    config: { access: 'self' },
    schema: {
      tags: ['my page'], summary: 'My readings and whether they arrived, my targets, self-care plan, today\'s plan and objections',
      description: SELF, response: { 200: myPageSchema, 404: errorBody },
    },
  }, async (request) => toJson(await accessOf(request).myPage.read()))

  app.get('/api/me/trends', {
    config: { access: 'self' },
    schema: {
      tags: ['my page'], summary: 'My trend of one vital over a range, as GET /api/patients/:id/trends answers it (my targets are on my page)',
      description: SELF, querystring: trendQuerySchema, response: { 200: trendSchema, 400: errorBody, 404: errorBody },
    },
  }, async (request) => {
    const q = request.query
    const trend = await accessOf(request).myPage.trend({ type: q.vital, from: new Date(q.from), to: new Date(q.to) })
    return {
      vital: q.vital, resolution: trend.resolution, from: trend.from.toISOString(), to: trend.to.toISOString(),
      points: trend.points.map((p) => ({ at: p.at.toISOString(), n: p.n, min: p.min, max: p.max, mean: p.mean, ...(p.flags ? { flags: p.flags } : {}) })),
      bins: trend.bins,
    }
  })

  app.post('/api/me/objections', {
    config: { access: 'self' },
    schema: {
      tags: ['my page'], summary: 'Object to sharing beyond the municipal team, or with one recipient: forwarding stops at once',
      description: `${SELF} 400 \`invalid-objection-target\` for a member not among my recipients.`,
      body: myObjectionInputSchema, response: { 201: objectionSchema, 400: errorBody, 404: errorBody },
    },
  }, async (request, reply) => reply.code(201).send(toObjectionJson(await accessOf(request).myPage.object(request.body))))

  app.post('/api/me/answers', {
    config: { access: 'self' },
    schema: {
      tags: ['my page'], summary: 'Answer a symptom questionnaire (the CAT, or the daily "Hvordan har du det i dag?"): stored as a reading and judged by my rules',
      description: `${SELF} 201 when stored, 200 with the stored answer when this clientId was sent before (stored once). `
        + '400 `invalid-questionnaire` (CAT: all 8 items, each a whole number 0–5; daily: one answer 1–5), '
        + '409 `daily-already-answered` (one daily answer a day, Europe/Oslo), 409 `answer-id-reused` (the clientId came with other answers). ADR 0042.',
      body: myAnswerInputSchema, response: { 200: myAnswerSchema, 201: myAnswerSchema, 400: errorBody, 404: errorBody, 409: errorBody },
    },
  }, async (request, reply) => {
    const answer = await accessOf(request).myPage.answer(request.body)
    return reply.code(answer.isNew ? 201 : 200).send(toAnswerJson(answer))
  })

  app.post('/api/me/objections/:objectionId/withdraw', {
    config: { access: 'self' },
    schema: {
      tags: ['my page'], summary: 'Withdraw my objection', description: `${SELF} 404 when none of mine in force has this id.`,
      params: z.object({ objectionId: uuidParam }), response: { 200: objectionSchema, 404: errorBody },
    },
  }, async (request) => toObjectionJson(await accessOf(request).myPage.withdraw(request.params.objectionId)))
}
