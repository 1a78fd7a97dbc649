import {
  claimDeliveries, enqueueReadingsBatches, enqueueWeeklySummaries, loadForwardedAlert, loadForwardedReadings, loadShare, loadWeeklySummary, platformNow,
  recordDeadReadings, settleDelivery, startWorkLoop,
  type ClaimedDelivery, type Queryable,
} from '@varde/db'
import type { Logger } from 'pino'
import { DEFAULT_BACKOFF, nextAttemptAt, type BackoffPolicy } from './backoff.js'
import { previousOsloDay, previousOsloWeek } from './daily-window.js'
import { summaryText } from './summary/summary-narrative.js'
import { summaryPdf } from './summary/summary-pdf.js'
import { summaryReport } from './summary/summary-report.js'
import { DeliveryError, type Forwarded, type ForwardingTransport, type SenderOrganisation } from './transport.js'

export interface DeliveryWorkerOptions {
  db: Queryable
  log: Logger
  /** By recipient transport; a recipient whose transport is missing here fails its tries (and says so). */
  transports: Partial<Record<'fhir-rest' | 'pmd', ForwardingTransport>>
  /** The demo GP practice's base URL (VARDE_DEMO_GP_FHIR_URL, or the built-in receiver's); recipients with a base URL use their own. */
  demoBaseUrl?: string
  /** VARDE_PMD_BASE_URL: where recipients of transport 'pmd' without a base URL of their own deliver (docs/decisions/0018). */
  pmdBaseUrl?: string
  /** VARDE_PUBLIC_URL: alerts link back to the portal. */
  publicUrl: string
  /** How often to look for work when the last look found none (default 1000 ms). */
  pollIntervalMs?: number
  /** How often to enqueue the previous day's readings batches (default 60 s; idempotent per day). */
  scheduleIntervalMs?: number
  /** Whether this worker runs the daily scheduler (default true; any number of workers may). */
  isSchedulerOn?: boolean
  /** Deliveries claimed per look (default 20, each a different recipient's head). */
  batchSize?: number
  /** A claim's lease (default 60 s): a crashed worker's delivery is taken again after it. */
  leaseMs?: number
  backoff?: BackoffPolicy
}

export interface DeliveryWorker {
  /** Claims and sends what is due now; resolves with how many deliveries were settled. Looks never overlap. */
  runOnce(): Promise<number>
  /** Enqueues yesterday's readings batches and last week's summaries now. */
  scheduleNow(): Promise<number>
  /** Stops looking and waits for the deliveries under way. */
  stop(): Promise<void>
}

/**
 * The forwarding worker (issue 18; docs/decisions/0013): claims the head of
 * each recipient's queue from the outbox (several processes may run it:
 * claims are SKIP LOCKED with a lease), checks again that the patient's data
 * may still go there (an objection or an ended relationship since enqueueing
 * cancels it), loads the content, delivers through the recipient's
 * transport, and settles: delivered, retried with backoff, or a dead letter.
 * Logs carry ids and codes, never health data.
 */
export function startDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const log = options.log.child({ part: 'forwarding' })
  const pollIntervalMs = options.pollIntervalMs ?? 1_000
  const scheduleIntervalMs = options.scheduleIntervalMs ?? 60_000
  const batchSize = options.batchSize ?? 20
  const leaseMs = options.leaseMs ?? 60_000
  const backoff = options.backoff ?? DEFAULT_BACKOFF
  const from: SenderOrganisation = { tenantId: '', publicUrl: options.publicUrl }
  const isSchedulerOn = options.isSchedulerOn ?? true
  // looks at once and after each that found work, else every poll interval; looks never overlap
  const looks = startWorkLoop({ look: { run: look, atStart: true, everyMs: pollIntervalMs } }, {
    onError: (_job, error) => log.error({ err: error, event: 'forwarding-look-failed' }, 'could not look for deliveries; trying again'),
  })
  // the daily batches on a loop of their own, so a slow delivery does not hold them up
  const scheduling = startWorkLoop({ schedule: { run: schedule, atStart: isSchedulerOn, ...(isSchedulerOn ? { everyMs: scheduleIntervalMs } : {}) } })

  async function look(): Promise<number> {
    const claimed = await claimDeliveries(options.db, batchSize, leaseMs)
    await Promise.all(claimed.map((d) => deliverOne(d)))
    if (claimed.length > 0) looks.wake('look')
    return claimed.length
  }

  async function deliverOne(d: ClaimedDelivery): Promise<void> {
    const context = { delivery: d.id, kind: d.kind, recipient: d.recipient.id, attempt: d.attempts }
    if (!d.isAllowed) {
      await settleDelivery(options.db, d.id, { status: 'cancelled', reason: 'no-longer-allowed' })
      log.info({ ...context, event: 'delivery-cancelled' }, 'not forwarded: an objection or the end of the relationship came first')
      return
    }
    try {
      const forwarded = await contentOf(d)
      if (!forwarded) {
        await settleDelivery(options.db, d.id, { status: 'cancelled', reason: 'no-content' })
        return
      }
      const baseUrl = d.recipient.baseUrl ?? (d.recipient.transport === 'pmd' ? options.pmdBaseUrl : d.recipient.isDemo ? options.demoBaseUrl : undefined)
      const transport = options.transports[d.recipient.transport]
      if (!baseUrl || !transport) throw new DeliveryError('recipient-unreachable', baseUrl ? `no ${d.recipient.transport} transport configured` : 'no base URL')
      const receipt = await transport.deliver({ recipient: d.recipient, baseUrl }, forwarded)
      // readings refused on their own (PMD answers each entry) are dead letters; the rest was delivered (docs/decisions/0018)
      const refused = receipt?.refused ?? []
      if (refused.length) await recordDeadReadings(options.db, d.tenantId, d.id, refused)
      await settleDelivery(options.db, d.id, { status: 'delivered' })
      log.info({ ...context, event: 'delivered', deadReadings: refused.reduce((n, r) => n + r.readingIds.length, 0) }, 'forwarded')
    } catch (error) {
      const failure = error instanceof DeliveryError ? `${error.code}: ${error.detail}` : `internal: ${(error as Error).name}`
      const retryAt = nextAttemptAt(backoff, d.attempts, new Date())
      await settleDelivery(options.db, d.id, { status: 'failed', error: failure, retryAt }).catch((e: unknown) =>
        log.error({ ...context, err: e }, 'could not record a failed delivery; its lease runs out and it is tried again'))
      log.warn({ ...context, event: retryAt ? 'delivery-retry' : 'delivery-dead', error: failure, retryAt }, retryAt ? 'delivery failed; tried again later' : 'delivery failed for the last time: a dead letter')
    }
  }

  async function contentOf(d: ClaimedDelivery): Promise<Forwarded | null> {
    const organisation = { ...from, tenantId: d.tenantId }
    if (d.kind === 'alert' && d.alertId) {
      const [alert, share] = await Promise.all([loadForwardedAlert(options.db, d.tenantId, d.alertId), loadShare(options.db, d.id)])
      return alert ? { kind: 'alert', alert, organisation, share: share ?? undefined } : null
    }
    if (d.kind === 'readings' && d.window) {
      const content = await loadForwardedReadings(options.db, d.tenantId, d.patientId, d.window)
      return content ? { kind: 'readings', ...content, window: d.window, organisation } : null
    }
    if (d.kind === 'summary' && d.window) {
      const data = await loadWeeklySummary(options.db, d.tenantId, d.patientId, d.window)
      if (!data) return null
      const text = summaryText(data)
      return { kind: 'summary', report: summaryReport(data, text, await summaryPdf(text, d.window.end), new Date()), organisation }
    }
    return null
  }

  // the weekly summary follows the platform clock (docs/decisions/0014): a tester who moves it a week on gets the summary
  const scheduleNow = async () => (await enqueueReadingsBatches(options.db, previousOsloDay(new Date())))
    + (await enqueueWeeklySummaries(options.db, previousOsloWeek(await platformNow(options.db))))

  async function schedule(): Promise<void> {
    try {
      const n = await scheduleNow()
      if (n > 0) log.info({ event: 'readings-batches-enqueued', count: n }, 'daily readings batches enqueued')
    } catch (error) {
      log.error({ err: error, event: 'forwarding-schedule-failed' }, 'could not enqueue the daily readings batches')
    }
  }

  return {
    runOnce: async () => (await looks.run('look')) ?? 0,
    scheduleNow,
    async stop() {
      await Promise.all([looks.stop(), scheduling.stop()])
    },
  }
}
