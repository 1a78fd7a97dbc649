import { claimDueEscalations, recordNotification, startWorkLoop, type DueEscalation, type Queryable } from '@varde/db'
import type { EscalationConfig } from '@varde/config'
import { buildNotifiers, NotifyError, toEscalation, type Escalation, type Notifier } from '@varde/notify'
import type { Logger } from 'pino'

export interface EscalationOptions {
  db: Queryable
  /**
   * Alerts escalated: their `escalated` change events are in the outbox
   * already, written by the claiming statement (migration 0011); the
   * composition root wakes the outbox relay with this.
   */
  onEscalated?: () => void
  /** Where notices go; none: the alert still escalates (event, history), nobody outside the portal is told. */
  notifiers: readonly Notifier[]
  /** A red alert not acknowledged this long after `red_since` escalates (VARDE_ESCALATION_MINUTES). */
  afterMinutes: number
  /** How often to look (VARDE_ESCALATION_CHECK_S × 1000); the first look is one interval after start. */
  checkIntervalMs: number
  log: Logger
  /** The portal as users reach it (VARDE_PUBLIC_URL): notices link to `<publicUrl>/alerts?alert=<id>`. */
  publicUrl: string
  /** Alerts escalated per look (default 100); more wait for the next look. */
  batchSize?: number
  /** Delivery attempts per notifier and alert (default 3) ... */
  attempts?: number
  /** ... the first retry this long after a failure, doubling after each (default 2000 ms). */
  retryDelayMs?: number
}

export interface EscalationService {
  /**
   * Looks now: escalates what is due, publishes the change events, and
   * resolves with how many alerts escalated once every notifier's deliveries
   * for them are done and recorded. Rejects if the database cannot be reached.
   */
  checkNow(): Promise<number>
  /** Stops looking; waits for the deliveries under way (their retries no longer wait). */
  stop(): Promise<void>
}

/** Escalation as the platform's configuration sets it (VARDE_ESCALATION_*, VARDE_PUBLIC_URL): what a composition root passes. */
export function escalationSettings(config: EscalationConfig, publicUrl: string): Pick<EscalationOptions, 'notifiers' | 'afterMinutes' | 'checkIntervalMs' | 'publicUrl'> {
  return { notifiers: buildNotifiers({ escalation: config }), afterMinutes: config.afterMinutes, checkIntervalMs: config.checkIntervalMs, publicUrl }
}

/** Deliveries at once per notifier, so a burst of escalations opens few SMTP or HTTP connections. */
const CONCURRENCY_PER_NOTIFIER = 4

/**
 * Escalation of red alerts nobody acknowledged in time (issue 5). Each look
 * claims the due alerts in one statement (`claimDueEscalations`: escalated
 * once, even with several instances, and each announced on
 * `INTERNAL_TOPICS.alertsChanged` through the outbox in that statement), and delivers the notice through every
 * notifier with bounded retries, recording each attempt on the alert. A
 * failing notifier never holds up the others or the next look; a database
 * error is logged and the next look tries again.
 *
 * Delivery is at most once per attempt budget: the claim is committed before
 * the notices go out, so a crash in between leaves an `escalated` event with
 * no `notified` after it (visible in the alert's history), never a second
 * escalation.
 */
export function startEscalation(options: EscalationOptions): EscalationService {
  const log = options.log.child({ part: 'escalation' })
  const batchSize = options.batchSize ?? 100
  const attempts = options.attempts ?? 3
  const retryDelayMs = options.retryDelayMs ?? 2000
  const deliveries = new Set<Promise<void>>()
  const stopping = new AbortController()
  // the first look one interval after start; looks never overlap
  const loop = startWorkLoop({ look: { run: look, everyMs: options.checkIntervalMs } }, {
    onError: (_job, error) => log.error({ err: error, event: 'check-failed' }, 'escalation check failed; trying again at the next look'),
  })

  /** Claims and announces; returns the deliveries (tracked for stop) without waiting for them. */
  async function look(): Promise<{ count: number; delivered: Promise<void> }> {
    const due = await claimDueEscalations(options.db, { afterMinutes: options.afterMinutes, limit: batchSize })
    for (const alert of due) logEscalated(alert)
    if (due.length > 0) options.onEscalated?.()
    const escalations = due.map((alert) => toEscalation(alert, options.publicUrl))
    const delivered = Promise.all(options.notifiers.map((n) => deliverAll(n, escalations))).then(() => {})
    deliveries.add(delivered)
    void delivered.finally(() => deliveries.delete(delivered))
    if (due.length > 0) log.debug({ event: 'looked', escalated: due.length }, 'escalation look')
    return { count: due.length, delivered }
  }

  function logEscalated(alert: DueEscalation): void {
    log.warn(
      { event: 'escalated', alertId: alert.alertId, tenantId: alert.tenantId, ruleId: alert.ruleId, redSince: alert.redSince.toISOString() },
      'red alert not acknowledged in time: escalated',
    )
  }

  async function deliverAll(notifier: Notifier, escalations: Escalation[]): Promise<void> {
    let next = 0
    const worker = async () => {
      while (next < escalations.length) await deliver(notifier, escalations[next++] as Escalation)
    }
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY_PER_NOTIFIER, escalations.length) }, worker))
  }

  async function deliver(notifier: Notifier, e: Escalation): Promise<void> {
    const about = { notifier: notifier.name, alertId: e.alertId, tenantId: e.tenantId }
    for (let attempt = 1; ; attempt++) {
      let failure: string | undefined
      try {
        await notifier.notify(e)
      } catch (error) {
        failure = error instanceof NotifyError ? error.message : `unexpected: ${error instanceof Error ? error.message : String(error)}`
      }
      const willRetry = failure !== undefined && attempt < attempts
      try {
        await recordNotification(options.db, { alertId: e.alertId, tenantId: e.tenantId, notifier: notifier.name, ok: failure === undefined, error: failure, attempt, willRetry })
      } catch (error) {
        log.error({ err: error, event: 'record-failed', ...about, attempt }, 'notification outcome not recorded')
      }
      if (failure === undefined) {
        log.info({ event: 'notified', ...about, attempt }, 'escalation delivered')
        return
      }
      log.warn({ event: 'notification-failed', ...about, attempt, willRetry, error: failure }, 'escalation not delivered')
      if (!willRetry) return
      await pause(retryDelayMs * 2 ** (attempt - 1))
    }
  }

  /** A wait that ends early when stopping: the remaining attempts are still made, at once. */
  function pause(ms: number): Promise<void> {
    if (stopping.signal.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t)
        stopping.signal.removeEventListener('abort', done)
        resolve()
      }
      const t = setTimeout(done, ms)
      stopping.signal.addEventListener('abort', done)
    })
  }

  log.info({ event: 'started', afterMinutes: options.afterMinutes, checkIntervalMs: options.checkIntervalMs, notifiers: options.notifiers.map((n) => n.name) }, 'escalation started')

  return {
    async checkNow() {
      const looked = await loop.run('look')
      if (!looked) return 0
      await looked.delivered
      return looked.count
    },
    async stop() {
      stopping.abort()
      await loop.stop()
      await Promise.all(deliveries)
      log.info({ event: 'stopped' }, 'escalation stopped')
    },
  }
}
