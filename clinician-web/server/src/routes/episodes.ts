import { acknowledgeBody, assignBody, episodeListSchema, episodeQuerySchema, episodeSchema, errorBody, idParams, MAX_SNOOZE_HOURS, resolveBody, snoozeBody } from '@varde/api-contract'
import { isSnoozeInForce } from '@varde/domain'
import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { AlertChange, AlertRecord, EpisodeSnooze } from '../access/alerts.js'
import { preferredLanguage } from '../alert-view.js'
import { episodesOf, extremeSpanOf, toEpisodeView } from '../episode-view.js'
import { ERRORS, isApiFailure } from '../errors/api-errors.js'
import type { LiveEvents } from '../live-events.js'
import { accessOf, requireUser } from '../plugins/auth.js'
import { announceAlertChange } from './alerts.js'

const languageOf = (request: FastifyRequest) => preferredLanguage(request.headers['accept-language'])

/** Beyond the inbox's 500: an episode's alerts are all found, however many alerts the caller has. */
const ALL_UNRESOLVED = 1000

/**
 * Episodes (issue 20, ADR 0027): the caller's unresolved alerts grouped as
 * one problem per vital or rule, and one action for the whole. An action is
 * the same action on each alert in the episode, each by its own statement
 * with its own log entry and event (routes/alerts.ts), so an episode is never
 * half-handled in the record: an alert someone else acknowledged or resolved
 * meanwhile is left as it is. The alerts' SSE events announce the episodes'
 * changes (a client groups again, or asks again).
 */
export const episodeRoutes: FastifyPluginAsyncZod<{ live: LiveEvents }> = async (app, { live }) => {
  app.addHook('preHandler', requireUser)

  /** The snooze in force of one episode, if any. */
  const snoozeOf = async (request: FastifyRequest, episodeId: string): Promise<EpisodeSnooze | null> =>
    (await accessOf(request).alerts.snoozes([episodeId])).snoozes[0] ?? null

  /** The episode of this id among the caller's (404, logged, when none), with its alerts. */
  const findEpisode = async (request: FastifyRequest, episodeId: string) => {
    let found: ReturnType<typeof episodesOf>[number] | undefined
    await accessOf(request).alerts.episode(episodeId, (unresolved) => {
      found = episodesOf(unresolved).find((e) => e.episode.id === episodeId)
      return found?.alerts ?? null
    })
    if (!found) throw new ERRORS.episodeNotFound()
    return found
  }

  /** Each of the episode's alerts the action applies to; 404 if none of the caller's episodes has this id. */
  const onEach = async (
    request: FastifyRequest,
    episodeId: string,
    applies: (a: AlertRecord) => boolean,
    act: (alertId: string) => Promise<AlertChange>,
    nothingToDo: () => Error,
  ) => {
    const members = await accessOf(request).alerts.episode(episodeId, (unresolved) => episodesOf(unresolved).find((e) => e.episode.id === episodeId)?.alerts ?? null)
    const found = { alerts: members }
    const targets = found.alerts.filter(applies)
    if (targets.length === 0) throw nothingToDo()
    const now = new Map(found.alerts.map((a) => [a.id, a]))
    for (const alert of targets) {
      try {
        const change = await act(alert.id)
        now.set(alert.id, change.alert)
        await announceAlertChange(request, live, change)
      } catch (error) {
        // acted on by someone else since the list: theirs stands
        if (!isApiFailure(error) || !['already-acknowledged', 'already-resolved'].includes(error.code.toLowerCase())) throw error
      }
    }
    // the same alerts grouped again, resolved ones too (after a resolve, that is all of them)
    const after = episodesOf([...now.values()], { resolved: true }).find((e) => e.episode.id === episodeId)
    if (!after) throw new ERRORS.episodeNotFound()
    return toEpisodeView(after, languageOf(request), await snoozeOf(request, episodeId))
  }
  const actionResponses = { 200: episodeSchema, 400: errorBody, 404: errorBody, 409: errorBody }

  app.get('/api/episodes', {
    config: { access: 'patient' },
    schema: {
      tags: ['alerts'],
      summary: 'The caller\'s unresolved alerts as episodes: red before yellow, latest first',
      description: 'An episode is the unresolved alerts of one patient about one vital (or one rule), within the rule\'s window; `kind` technical is gateway, battery and missed measurements.',
      querystring: episodeQuerySchema,
      response: { 200: episodeListSchema },
    },
  }, async (request) => {
    const language = languageOf(request)
    // the true extreme between each alert's findings: the episode's "worst" (issue 20)
    const listed = await accessOf(request).alerts.listWithExtremes(
      { statuses: ['open', 'acknowledged'], patientId: request.query.patientId, limit: ALL_UNRESOLVED }, extremeSpanOf,
    )
    const episodes = episodesOf(listed.alerts, {}, listed.extremes)
      .filter((e) => request.query.kind === undefined || e.episode.kind === request.query.kind)
    const { now, snoozes } = await accessOf(request).alerts.snoozes(episodes.map((e) => e.episode.id))
    const snoozeById = new Map(snoozes.map((s) => [s.episodeId, s]))
    // a snoozed episode is out of the inbox until its end time, unless it turned redder since (ADR 0033)
    const isHidden = (e: (typeof episodes)[number]) => {
      const snooze = snoozeById.get(e.episode.id)
      return snooze !== undefined && isSnoozeInForce(e.episode.severity, snooze, now)
    }
    const wanted = request.query.snoozed === 'only' ? episodes.filter(isHidden) : episodes.filter((e) => !isHidden(e))
    return { items: wanted.map((e) => toEpisodeView(e, language, snoozeById.get(e.episode.id) ?? null)), now: now.toISOString() }
  })

  app.post('/api/episodes/:id/acknowledge', {
    config: { access: 'patient' },
    schema: {
      tags: ['alerts'], summary: 'Acknowledge (kvitter ut) every open alert of an episode at once',
      description: '409 `already-acknowledged` when none of its alerts is open.',
      params: idParams, body: acknowledgeBody, response: actionResponses,
    },
  }, async (request) => onEach(request, request.params.id, (a) => a.status === 'open', (id) => accessOf(request).alerts.acknowledge(id), () => new ERRORS.alreadyAcknowledged()))

  app.post('/api/episodes/:id/assign', {
    config: { access: 'patient' },
    schema: {
      tags: ['alerts'], summary: 'Make a user responsible for every alert of an episode (`userId: null` unassigns)',
      params: idParams, body: assignBody, response: actionResponses,
    },
  }, async (request) => onEach(request, request.params.id, () => true, (id) => accessOf(request).alerts.assign(id, request.body.userId), () => new ERRORS.episodeNotFound()))

  app.post('/api/episodes/:id/resolve', {
    config: { access: 'patient' },
    schema: {
      tags: ['alerts'], summary: 'Resolve (avslutt) every alert of an episode, saying what was done',
      params: idParams, body: resolveBody, response: actionResponses,
    },
  }, async (request) => {
    const { outcome, note } = request.body
    return onEach(request, request.params.id, () => true, (id) => accessOf(request).alerts.resolve(id, { outcome, note: note || null }), () => new ERRORS.episodeNotFound())
  })

  app.post('/api/episodes/:id/snooze', {
    config: { access: 'patient' },
    schema: {
      tags: ['alerts'], summary: 'Snooze (utsett) an episode until a time, saying why; again replaces the time and reason',
      description: `Out of the inbox until \`until\` on the platform clock, at most ${MAX_SNOOZE_HOURS} h ahead; back by itself then, and at once if it turns redder (yellow → red). 400 \`snooze-ended\` when \`until\` is not ahead, \`snooze-too-long\` past ${MAX_SNOOZE_HOURS} h.`,
      params: idParams, body: snoozeBody, response: { 200: episodeSchema, 400: errorBody, 404: errorBody },
    },
  }, async (request) => {
    const found = await findEpisode(request, request.params.id)
    const snooze = await accessOf(request).alerts.snooze(
      request.params.id,
      { until: new Date(request.body.until), reason: request.body.reason, severity: found.episode.severity, patientId: found.episode.patientId },
      MAX_SNOOZE_HOURS,
    )
    return toEpisodeView(found, languageOf(request), snooze)
  })

  app.delete('/api/episodes/:id/snooze', {
    config: { access: 'patient' },
    schema: {
      tags: ['alerts'], summary: 'End an episode\'s snooze before its time: it is back in the inbox',
      params: idParams, response: { 200: episodeSchema, 404: errorBody },
    },
  }, async (request) => {
    const found = await findEpisode(request, request.params.id)
    await accessOf(request).alerts.endSnooze(request.params.id, found.episode.patientId)
    return toEpisodeView(found, languageOf(request))
  })
}
