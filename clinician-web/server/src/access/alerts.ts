import {
  acknowledgeAlert, activeEpisodeSnoozes, readingExtremes, type ExtremeReading, type ExtremeSpan, endEpisodeSnooze, platformNow, snoozeEpisode, type EpisodeSnooze, addAlertNote, canAccessPatient, assignAlert, findAlert, findAlertWithHistory, listAlerts, publishOutboxEvents, resolveAlert,
  type AlertActionResult, type AlertOutcome, type AlertRecord, type AlertStatus, type AlertWithHistory, type OutboxEvent,
} from '@varde/db'
import { alertChangedEvent, type AlertChangeFacts } from '@varde/domain'
import { ALERT_FAILURES, ERRORS } from '../errors/api-errors.js'
import { dbActorOf } from './actor.js'
import { userIdOf, type AccessContext } from './context.js'

/**
 * Alerts of the patients the actor gives care to. Reads are logged here;
 * each action is logged by the statement that makes it (packages/db
 * alerts.ts), allowed or denied, so an action is never without its entry.
 */
export function alertAccess({ db, actor, audit }: AccessContext) {
  // a user's action: a service without a user id is refused (userIdOf) before any statement
  const alertActor = () => ({ ...dbActorOf(actor), userId: userIdOf(actor) })
  const done = (result: AlertActionResult): AlertChange => {
    if (!result.ok) throw new ALERT_FAILURES[result.code]()
    return { alert: result.alert, event: result.event }
  }
  return {
    /** One log row per alert shown; one saying none when none is. */
    async list(q: { statuses: AlertStatus[]; patientId?: string | undefined; limit: number }): Promise<AlertRecord[]> {
      const alerts = await listAlerts(db, { tenantId: actor.tenantId, userId: userIdOf(actor), ...q })
      const entry = { action: 'list', resourceType: 'Alert', outcome: 'allowed' as const }
      if (alerts.length > 0) {
        await audit.many(alerts.map((a) => ({ ...entry, resourceId: a.id, patientId: a.patientId })))
        return alerts
      }
      // None shown: the entry names the patient asked for only when the actor may see that patient. An id of
      // another tenant's patient (or of one without a relationship) is not written into this tenant's log as if
      // it were one of its patients (issue 17); it is denied as an unknown id is.
      const isVisible = q.patientId === undefined || await canAccessPatient(db, actor.tenantId, userIdOf(actor), q.patientId)
      await audit.one(isVisible
        ? { ...entry, patientId: q.patientId ?? null, details: { count: 0, statuses: q.statuses } }
        : { ...entry, outcome: 'denied', patientId: null, details: { count: 0, statuses: q.statuses, reason: 'patient-not-visible' } })
      return alerts
    },

    /**
     * `list`, and for each alert `spanOf` names (by its key) the most extreme
     * stored reading between its opening and latest findings (an episode's
     * "worst", issue 20). The spans are made from the alerts just listed, so
     * only the caller's patients are looked at; the extremes are shown as
     * part of those alerts, whose reads `list` logged (no log row of its own).
     */
    async listWithExtremes(
      q: { statuses: AlertStatus[]; patientId?: string | undefined; limit: number },
      spanOf: (alert: AlertRecord) => Omit<ExtremeSpan, 'patientId'> | null,
    ): Promise<{ alerts: AlertRecord[]; extremes: Map<string, ExtremeReading> }> {
      const alerts = await this.list(q)
      const spans = alerts.flatMap((a) => {
        const span = spanOf(a)
        return span ? [{ ...span, patientId: a.patientId }] : []
      })
      const found = await readingExtremes(db, actor.tenantId, spans)
      return { alerts, extremes: new Map(found.map((x) => [x.key, x])) }
    },

    async read(alertId: string): Promise<AlertWithHistory> {
      const alert = await findAlertWithHistory(db, { tenantId: actor.tenantId, userId: userIdOf(actor), alertId })
      await audit.one({ action: 'read', resourceType: 'Alert', resourceId: alertId, patientId: alert?.patientId ?? null, outcome: alert ? 'allowed' : 'denied' })
      if (!alert) throw new ERRORS.alertNotFound()
      return alert
    },

    /**
     * The alerts of an episode (issue 20, ADR 0027), found by its id (its
     * earliest alert's): `members` picks them from the unresolved alerts of
     * that alert's patient. Not logged as a read when found: the action on
     * each member that follows writes its own entry, and the answer shows no
     * alert that was not acted on. A miss (no such alert, no relationship,
     * not an episode's id) is logged as a denied read, as `read` logs one.
     */
    async episode(episodeId: string, members: (unresolved: AlertRecord[]) => AlertRecord[] | null): Promise<AlertRecord[]> {
      const head = await findAlert(db, { tenantId: actor.tenantId, userId: userIdOf(actor), alertId: episodeId })
      const found = head && members(await listAlerts(db, {
        tenantId: actor.tenantId, userId: userIdOf(actor), statuses: ['open', 'acknowledged'], patientId: head.patientId, limit: 1000,
      }))
      if (!found) {
        await audit.one({ action: 'read', resourceType: 'Alert', resourceId: episodeId, patientId: head?.patientId ?? null, outcome: 'denied', details: { episode: true } })
        throw new ERRORS.episodeNotFound()
      }
      return found
    },

    /**
     * The snoozes in force of the caller's episodes (issue 20), which it has
     * just listed (their alerts' reads are logged there), with the platform's
     * time now.
     */
    snoozes: (episodeIds: readonly string[]) => activeEpisodeSnoozes(db, { tenantId: actor.tenantId, episodeIds }),

    /**
     * Snoozes an episode the caller found by `episode` (so its id is one of
     * the caller's episodes), at most `maxHours` ahead on the platform clock.
     * The statement writes its own log entry; a refusal is logged here.
     */
    async snooze(episodeId: string, q: { until: Date; reason: string; severity: 'red' | 'yellow'; patientId: string }, maxHours: number): Promise<EpisodeSnooze> {
      const refuse = async (reason: string, error: Error) => {
        await audit.one({ action: 'episode.snooze', resourceType: 'Alert', resourceId: episodeId, patientId: q.patientId, outcome: 'denied', details: { reason } })
        return error
      }
      if (q.until.getTime() - (await platformNow(db)).getTime() > maxHours * 3_600_000) throw await refuse('too-long', new ERRORS.snoozeTooLong())
      const result = await snoozeEpisode(db, alertActor(), { episodeId, until: q.until, reason: q.reason, severity: q.severity })
      if (!result.ok) throw await refuse(result.code, result.code === 'snooze-ended' ? new ERRORS.snoozeEnded() : new ERRORS.episodeNotFound())
      return result.snooze
    },

    /** Ends a snooze before its time; 404 when none is in force (logged as denied). */
    async endSnooze(episodeId: string, patientId: string): Promise<void> {
      if (await endEpisodeSnooze(db, alertActor(), episodeId)) return
      await audit.one({ action: 'episode.unsnooze', resourceType: 'Alert', resourceId: episodeId, patientId, outcome: 'denied', details: { reason: 'not-snoozed' } })
      throw new ERRORS.snoozeNotFound()
    },

    /**
     * An alert pushed on a live stream the actor opened: the care relationship
     * is checked again, and the stream's opening is its log entry (a row per
     * pushed change would log the server's doing, not the reader's).
     */
    pushed: (alertId: string): Promise<AlertRecord | null> => findAlert(db, { tenantId: actor.tenantId, userId: userIdOf(actor), alertId }),

    acknowledge: async (alertId: string) => done(await acknowledgeAlert(db, alertActor(), alertId)),
    assign: async (alertId: string, assigneeId: string | null) => done(await assignAlert(db, alertActor(), alertId, assigneeId)),
    resolve: async (alertId: string, resolution: { outcome: AlertOutcome; note: string | null }) => done(await resolveAlert(db, alertActor(), alertId, resolution)),
    note: async (alertId: string, text: string) => done(await addAlertNote(db, alertActor(), alertId, text)),

    /**
     * Publishes an action's event, which the action's statement put in the
     * outbox and claimed for this server, and takes it out; one the broker did
     * not take is left for the outbox relays (issue 15: atomic with the write,
     * as the rules' events are). Resolves whether it was published here.
     */
    async announce(change: AlertChange, publish: (topic: string, payload: string) => Promise<void>): Promise<boolean> {
      const done = await publishOutboxEvents(db, [change.event], {
        build: (e) => JSON.stringify(alertChangedEvent(e.payload as AlertChangeFacts)), publish,
      })
      return done.published === 1
    },
  }
}

/** An alert as the layer gives it to routes (so no route names @varde/db, not even for a type). */
export type { AlertRecord, EpisodeSnooze }

/** An action's outcome: the alert as it is now, and its event in the outbox (claimed for the caller). */
export interface AlertChange {
  alert: AlertRecord
  event: OutboxEvent
}
