import type { ServicePauseRecord } from '../access/types.js'
import {
  errorBody, idParams, pauseEndBody, pauseListSchema, pauseParams, pauseSchema, pauseStartBody, patientRuleSchema, patientRulesSchema,
  ruleChangeBody, ruleParams, whatIfBody, whatIfSchema, type Pause, type PatientRule, type RuleChange,
} from '@varde/api-contract'
import { RULE_FAMILY, type ClinicianRef, type ReadingChangeList, type Rule, type RuleOverride } from '@varde/domain'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { accessOf, requireUser } from '../plugins/auth.js'

const patientParams = idParams

const clinicianJson = (c: ClinicianRef) => ({ id: c.id, name: c.name ?? null, hprNumber: c.hprNumber ?? null })

function toRuleJson(rule: Rule): PatientRule {
  const o = rule.origin
  const changed = o.kind === 'override' ? o : null
  return {
    id: rule.id, kind: rule.kind, family: RULE_FAMILY[rule.kind], version: rule.version, params: { ...rule.params },
    isEnabled: rule.isEnabled, source: rule.source, origin: o.kind, conditions: o.conditions,
    overrideVersion: changed?.overrideVersion ?? null, setBy: changed ? clinicianJson(changed.setBy) : null,
    setAt: changed?.setAt.toISOString() ?? null, reason: changed?.reason ?? null,
  }
}
const toOverrideJson = (o: RuleOverride): RuleChange => ({
  ruleId: o.ruleId, version: o.version, kind: o.kind ?? null, params: o.params, isEnabled: o.isEnabled ?? null,
  setBy: clinicianJson(o.setBy), setAt: o.setAt.toISOString(), reason: o.reason ?? null,
})
function toPauseJson(p: ServicePauseRecord, now: number): Pause {
  return {
    id: p.id, patientId: p.patientId, startsAt: p.startsAt.toISOString(), endsAt: p.endsAt?.toISOString() ?? null, reason: p.reason,
    createdBy: p.createdBy, createdAt: p.createdAt.toISOString(),
    isCurrent: p.startsAt.getTime() <= now && (p.endsAt === null || p.endsAt.getTime() > now),
  }
}

/**
 * A patient's clinical rules as they apply (condition profiles merged, with
 * the care team's overrides on top), the history of those overrides, and the
 * pauses of the service. Nurses and clinicians who give the patient care
 * change them; an administrator does not (access/rules.ts checks, logs and
 * refuses). The rules worker reads the same tables at
 * each evaluation.
 */
export const patientRuleRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('preHandler', requireUser)

  app.get('/api/patients/:id/rules', {
    config: { access: 'patient' },
    schema: {
      tags: ['rules'],
      summary: 'The patient\'s rules as they apply now, and the history of changes to them',
      description: 'Each rule: its parameters in effect (thresholds, schedules …), whether it is the default of the patient\'s condition profiles or a care team member\'s change (version, by whom, when, why). `history`: every stored change, newest first.',
      params: patientParams,
      response: {
        200: patientRulesSchema,
        404: errorBody, 500: errorBody,
      },
    },
  }, async (request) => {
    const { patientId, ruleSet, history, canChange } = await accessOf(request).rules.read(request.params.id)
    return {
      patientId, timeZone: ruleSet.timeZone, conditions: ruleSet.conditions, canChange,
      rules: ruleSet.rules.map(toRuleJson), history: history.map(toOverrideJson),
    }
  })

  app.put('/api/patients/:id/rules/:ruleId', {
    config: { access: 'patient' },
    schema: {
      tags: ['rules'],
      summary: 'Change one rule for this patient: stores its next version',
      description: [
        '`params` holds what differs from the condition profiles\' defaults (top-level keys replace the default\'s; for a threshold rule, `vitals` entries merge by `vital`, a band given replacing that band whole); '
        + 'it replaces the params of the rule\'s previous change. Omitted fields (`params`, `isEnabled`, `kind`) are kept from the previous change. '
        + '`kind` with complete `params` creates a rule the profiles lack (e.g. `missed:spo2`).',
        'The change is validated by resolving the patient\'s whole rule set with it: an invalid one is refused with 400 and its reason, and nothing is stored. '
        + '409 `version-conflict` when someone else changed the rule meanwhile.',
        'Only a nurse or clinician on the patient\'s care team.',
      ].join('\n\n'),
      params: ruleParams,
      body: ruleChangeBody,
      response: { 200: patientRuleSchema, 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody, 500: errorBody },
    },
  }, async (request) => {
    const { id, ruleId } = request.params
    const { params, isEnabled, kind, reason } = request.body
    return toRuleJson(await accessOf(request).rules.change(id, ruleId, { params, isEnabled, kind, reason: reason || null }))
  })

  app.post('/api/patients/:id/rules/:ruleId/what-if', {
    config: { access: 'patient' },
    schema: {
      tags: ['rules'],
      summary: 'What a change of one rule would have done over the last 30 days, beside what the rules as they are did (nothing is stored)',
      description: 'The patient\'s stored readings of the last 30 days (by the platform clock) replayed by the rules engine twice: with the rules as they are and with the change (`params`, `isEnabled`, `kind` as PUT takes them). '
        + 'Each: the alerts raised and the episodes they make. `raised`: what the rules did raise in the period. '
        + '`readingChanges`: the readings that would now alert, now pass, or alert in another band (exact counts, the newest 50 listed). An invalid change is refused with 400 as PUT refuses it.',
      params: ruleParams,
      body: whatIfBody,
      response: { 200: whatIfSchema, 400: errorBody, 404: errorBody, 500: errorBody },
    },
  }, async (request) => {
    const { id, ruleId } = request.params
    const { params, isEnabled, kind } = request.body
    const w = await accessOf(request).rules.whatIf(id, ruleId, { params, isEnabled, kind })
    const alerts = (list: typeof w.current.alerts) => list.map((a) => ({
      ...a, firstTriggeredAt: a.firstTriggeredAt.toISOString(), lastTriggeredAt: a.lastTriggeredAt.toISOString(),
    }))
    return {
      from: w.from.toISOString(), to: w.to.toISOString(), readings: w.readings, elapsedMs: w.elapsedMs,
      raised: w.raised.map((r) => ({ ...r, firstTriggeredAt: r.firstTriggeredAt.toISOString() })),
      current: { alerts: alerts(w.current.alerts), episodes: w.current.episodes },
      proposed: { alerts: alerts(w.proposed.alerts), episodes: w.proposed.episodes },
      readingChanges: {
        nowAlert: changeList(w.readingChanges.nowAlert), nowPass: changeList(w.readingChanges.nowPass), otherBand: changeList(w.readingChanges.otherBand),
      },
    }
  })

  app.get('/api/patients/:id/pauses', {
    config: { access: 'patient' },
    schema: {
      tags: ['rules'], summary: 'Pauses of the patient\'s service (pause tjenesten), the latest first',
      description: 'While paused, no missed-measurement or device alerts are raised.',
      params: patientParams, response: { 200: pauseListSchema, 404: errorBody },
    },
  }, async (request) => {
    const pauses = await accessOf(request).rules.pauses(request.params.id)
    // whether a pause is on now is judged by the platform's clock (docs/decisions/0014)
    const now = (await accessOf(request).clock.read()).now.getTime()
    return { items: pauses.map((p) => toPauseJson(p, now)) }
  })

  app.post('/api/patients/:id/pauses', {
    config: { access: 'patient' },
    schema: {
      tags: ['rules'], summary: 'Pause the service, now or from a given time, until further notice or a given end',
      description: 'Refused with 409 `overlaps` when it overlaps another pause of the patient. Only a nurse or clinician on the patient\'s care team.',
      params: patientParams,
      body: pauseStartBody,
      response: { 201: pauseSchema, 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody },
    },
  }, async (request, reply) => {
    const b = request.body
    const pause = await accessOf(request).rules.startPause(request.params.id, {
      startsAt: b.startsAt ? new Date(b.startsAt) : undefined, endsAt: b.endsAt ? new Date(b.endsAt) : null, reason: b.reason || null,
    })
    return reply.code(201).send(toPauseJson(pause, (await accessOf(request).clock.read()).now.getTime()))
  })

  app.post('/api/patients/:id/pauses/:pauseId/end', {
    config: { access: 'patient' },
    schema: {
      tags: ['rules'], summary: 'End a pause, now or at a given time (an open pause, or one planned to end later)',
      params: pauseParams,
      body: pauseEndBody,
      response: { 200: pauseSchema, 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody },
    },
  }, async (request) => {
    const { id, pauseId } = request.params
    const endsAt = request.body?.endsAt
    const pause = await accessOf(request).rules.endPause(id, pauseId, endsAt ? new Date(endsAt) : undefined)
    return toPauseJson(pause, (await accessOf(request).clock.read()).now.getTime())
  })
}

/** A what-if's list of changed readings as JSON (times as ISO strings). */
function changeList(list: ReadingChangeList) {
  return { count: list.count, readings: list.readings.map((r) => ({ ...r, measuredAt: r.measuredAt.toISOString() })) }
}
