import {
  errorBody, handoverBody, handoverListSchema, handoverNoteSchema, idParams, shiftAssignmentAnswer, shiftAssignmentBody, shiftQuerySchema, shiftViewSchema,
  type HandoverNote as HandoverJson, type ShiftAssignment as AssignmentJson, type ShiftView, type ShiftWindow as WindowJson,
} from '@varde/api-contract'
import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { AlertRecord } from '../access/alerts.js'
import type { HandoverNote, ShiftAssignment, ShiftWindow } from '../access/shift.js'
import { preferredLanguage } from '../alert-view.js'
import { episodesOf, toEpisodeView } from '../episode-view.js'
import { accessOf, requireUser } from '../plugins/auth.js'

const toWindow = (w: ShiftWindow): WindowJson => ({ shift: w.shift, date: w.date, startsAt: w.startsAt.toISOString(), endsAt: w.endsAt.toISOString() })
const toAssignment = (a: ShiftAssignment): AssignmentJson => ({ ...a, assignedAt: a.assignedAt.toISOString() })
const toNote = (n: HandoverNote): HandoverJson => ({ ...n, writtenAt: n.writtenAt.toISOString() })

/** An episode began since `since` (new), or began before and one of its alerts turned red since (worsened). */
function sinceOf(alerts: AlertRecord[], since: Date) {
  const isNew = (e: { episode: { firstTriggeredAt: Date } }) => e.episode.firstTriggeredAt >= since
  const episodes = episodesOf(alerts)
  return {
    fresh: episodes.filter(isNew),
    worsened: episodes.filter((e) => !isNew(e) && e.episode.severity === 'red' && e.alerts.some((a) => a.redSince !== null && a.redSince >= since)),
  }
}

/**
 * The nurse's shift (issue 20, docs/decisions/0034): the shift view "since
 * your last shift", each patient's handover notes (rapport) and who is on
 * which patient. Through the access layer (access/shift.ts), which checks
 * the care relationship and writes the access log.
 */
export const shiftRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('preHandler', requireUser)
  const languageOf = (request: FastifyRequest) => preferredLanguage(request.headers['accept-language'])

  app.get('/api/shift', {
    config: { access: 'patient' },
    schema: {
      tags: ['shift'],
      summary: 'Since your last shift: new, worsened and resolved episodes, missed measurements, new patients, handover notes, who is on which patient',
      description: '`since` defaults to the start of the shift before the one in progress (dag 07–15, kveld 15–23, natt 23–07, Europe/Oslo, platform clock). 403 for a caller who gives no care (the patient, the privacy officer).',
      querystring: shiftQuerySchema,
      response: { 200: shiftViewSchema, 403: errorBody },
    },
  }, async (request): Promise<ShiftView> => {
    const f = await accessOf(request).shift.view(request.query.since ? new Date(request.query.since) : undefined)
    const language = languageOf(request)
    const me = accessOf(request).actor.userId
    const { fresh, worsened } = sinceOf(f.unresolved, f.since)
    const resolved = episodesOf(f.resolved, { resolved: true }).filter((e) => e.episode.status === 'resolved')
    const assigned = new Set(f.assignments.map((a) => a.patientId))
    const missed = new Map<string, { id: string; displayName: string; at: Date }>()
    for (const a of f.unresolved.filter((x) => x.ruleKind === 'missed-measurement')) {
      const seen = missed.get(a.patientId)
      if (!seen || a.firstTriggeredAt < seen.at) missed.set(a.patientId, { id: a.patientId, displayName: a.patientName, at: a.firstTriggeredAt })
    }
    const mine = new Set(f.assignments.filter((a) => a.nurse.id === me).map((a) => a.patientId))
    const mineFirst = <T extends { patientId: string }>(xs: T[]) => [...xs.filter((x) => mine.has(x.patientId)), ...xs.filter((x) => !mine.has(x.patientId))]
    const view = (es: typeof fresh) => mineFirst(es.map((e) => toEpisodeView(e, language)))
    return {
      now: f.now.toISOString(), current: toWindow(f.current), previous: toWindow(f.previous), since: f.since.toISOString(),
      mine: f.assignments.filter((a) => a.nurse.id === me).map(toAssignment),
      others: f.assignments.filter((a) => a.nurse.id !== me).map(toAssignment),
      unassigned: f.patients.filter((p) => !assigned.has(p.id)),
      nurses: f.nurses, canAssign: f.canAssign,
      handovers: mineFirst(f.handovers.map(toNote)),
      newEpisodes: view(fresh), worsenedEpisodes: view(worsened), resolvedEpisodes: view(resolved),
      missedMeasurements: [...missed.values()].map((m) => ({ ...m, at: m.at.toISOString() })),
      newPatients: f.newPatients.map((p) => ({ id: p.id, displayName: p.displayName, at: p.createdAt.toISOString() })),
    }
  })

  app.get('/api/patients/:id/handover', {
    config: { access: 'patient' },
    schema: {
      tags: ['shift'], summary: 'The patient\'s handover notes (rapport), newest first: every note kept as written',
      params: idParams, response: { 200: handoverListSchema, 404: errorBody },
    },
  }, async (request) => ({ items: (await accessOf(request).shift.handovers(request.params.id)).map(toNote) }))

  app.post('/api/patients/:id/handover', {
    config: { access: 'patient' },
    schema: {
      tags: ['shift'], summary: 'Write a handover note for the next shift (a new note; earlier ones stay)',
      description: 'A nurse or clinician on the patient\'s care team; 403 for others on it.',
      params: idParams, body: handoverBody, response: { 201: handoverNoteSchema, 400: errorBody, 403: errorBody, 404: errorBody },
    },
  }, async (request, reply) => reply.code(201).send(toNote(await accessOf(request).shift.writeHandover(request.params.id, request.body.text))))

  app.put('/api/patients/:id/shift-assignment', {
    config: { access: 'patient' },
    schema: {
      tags: ['shift'], summary: 'Put a nurse on the patient for a shift (default: the one in progress); `userId` null takes the patient off it',
      description: 'A nurse (the shift leader) or administrator on the patient\'s care team. The nurse must give the patient care (400 `invalid-assignee`) and be a nurse (409 `not-a-nurse`); a shift that has ended is not changed (409 `shift-ended`).',
      params: idParams, body: shiftAssignmentBody,
      response: { 200: shiftAssignmentAnswer, 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody },
    },
  }, async (request) => {
    const assignment = await accessOf(request).shift.assign(request.params.id, { nurseUserId: request.body.userId, shift: request.body.shift, date: request.body.date })
    return { assignment: assignment && toAssignment(assignment) }
  })
}
