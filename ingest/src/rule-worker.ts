import {
  applyRuleActions, claimRuleWork, PlatformClock, listMonitoredPatientIds, loadLastReadingTimes, loadRuleContext,
  loadRuleOverrides, loadServicePauses, startWorkLoop, type ChangedAlert, type OutboxEvent, type PatientActions, type Queryable,
  type RuleContext, type RuleWorkClaim, type StoredReading,
} from '@varde/db'
import {
  enabledRules, evaluateDeviceHealth, evaluateReadings, evaluateSchedules, historyNeeds, type VitalType, notePausedService, resolvePatientRules, type AlertAction,
  platformTimeAt, WALL_CLOCK, type ClockSetting, type GatewayHealth, type RuleOverride, type RuleSet, type ServicePause,
} from '@varde/domain'
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { watchLoopDelay } from './loop-delay.js'
import { ReadingHistory } from './reading-history.js'

export interface RuleWorkerOptions {
  db: Queryable
  /**
   * Alerts were opened or changed: their events are already in the outbox,
   * written by the statement that changed them (migration 0011); the
   * composition root wakes the outbox relay with this.
   */
  onChanged?: (changed: ChangedAlert[]) => void
  /**
   * An outbox relay in this process (`OutboxRelay.publish`): the statement
   * that changes alerts claims their events for it, and it publishes them at
   * once, without a claim statement of its own waiting on the database
   * behind ingest's writes (issue 15: the alert p99 under load). Without it
   * the events wait for a relay's claim.
   */
  publish?: (events: OutboxEvent[]) => void
  logger: Logger
  /**
   * The platform clock (docs/decisions/0014): the rules judge by its time.
   * Default: one of the worker's own, loaded from the database and reloaded
   * every 5 s (the composition root passes the one ingest reloads at once on
   * a clock-changed event).
   */
  clock?: Pick<PlatformClock, 'now' | 'setting'>
  /**
   * Patients judged per round (default 25). A patient with a possibly red
   * reading waits at most for the round in progress before its own (urgent
   * patients are claimed first, in rounds of their own), so rounds are kept
   * short: under 2,000 readings a second a round of 100 busy patients took
   * over a second (`npm run bench:alerts`).
   */
  batchPatients?: number
  /** How often to look for queued patients nobody woke us for (a crashed worker's, another instance's). */
  sweepIntervalMs?: number
  /** How often to check schedules (missed measurements) and device health of every monitored patient. */
  checkIntervalMs?: number
  /** Patients per page of that check (default 50; see checkAll). */
  checkPatients?: number
  /**
   * A round between the check's pages when readings were stored meanwhile
   * (default true; false only for `bench/src/rules-round.ts`, to show what a
   * red reading waited for before: the whole check).
   */
  roundsDuringCheck?: boolean
}

export interface RuleWorkerStats {
  rounds: number
  patientsJudged: number
  alertsOpened: number
  alertsUpdated: number
  alertsCleared: number
  checks: number
  errors: number
  /** Patients judged with the history kept from earlier rounds, and with their history loaded whole. */
  historyHits: number
  historyLoads: number
}

export interface RuleWorker {
  /** New readings were stored: judge the queued patients now. */
  wake(): void
  /** Resolves when the queue is empty and the worker idle (tests, shutdown). */
  drain(): Promise<void>
  /** Runs the schedule and device-health check of every monitored patient now; resolves with the alerts changed. */
  checkNow(): Promise<number>
  stats(): RuleWorkerStats
  stop(): Promise<void>
}

/**
 * The rules, run after storing (issue 5). Ingest's store statement puts each
 * patient with new readings on the durable `rule_work` queue; this worker
 * claims queued patients, judges their new readings against their rules
 * (`@varde/domain` rules: thresholds, trends, NEWS2, schedules, device
 * health) with 14 days of history, and applies the actions and takes the
 * patients off the queue in one statement. Each opened or changed alert is
 * announced on `INTERNAL_TOPICS.alertsChanged` through the outbox, written
 * by that same statement (outbox-relay.ts publishes it).
 *
 * Nothing is lost in a crash: a patient leaves the queue only in the
 * statement that stores the judgement; a claim not finished runs out and is
 * taken again, and the rules are idempotent, so judging twice changes nothing.
 * Periodically, and independent of readings, every monitored patient's
 * schedules and devices are checked (a missed measurement has no reading).
 */
/** A round slower than this is logged (`slow-round`). */
const SLOW_ROUND_MS = 500
export function startRuleWorker(options: RuleWorkerOptions): RuleWorker {
  const { db } = options
  const log = options.logger.child({ part: 'rules' })
  const batchPatients = options.batchPatients ?? 25
  const checkPatients = options.checkPatients ?? 50
  const roundsDuringCheck = options.roundsDuringCheck ?? true
  const stats: Omit<RuleWorkerStats, 'historyHits' | 'historyLoads'> = {
    rounds: 0, patientsJudged: 0, alertsOpened: 0, alertsUpdated: 0, alertsCleared: 0, checks: 0, errors: 0,
  }
  const ownClock = options.clock ? null : new PlatformClock(db)
  // a database down at start leaves the wall clock until the clock's next reload
  ownClock?.start().catch((error: unknown) => log.warn({ err: error, event: 'clock-not-loaded' }, 'platform clock not loaded; on the wall clock until it is'))
  const clock = options.clock ?? ownClock!
  // the readings' times are the platform's (ingest stamps them by it), so their windows are too
  const history = new ReadingHistory(db, { now: () => clock.now().getTime() })
  // the event loop's delay during each round: a slow round says whether it waited for the thread or the database
  const loopDelay = watchLoopDelay()

  // rounds first: at start whatever a previous run left queued, and on the sweep queued patients nobody woke us
  // for (a crashed worker's, another instance's); then the periodic check of schedules and device health
  const loop = startWorkLoop({
    rounds: { run: drainQueue, atStart: true, everyMs: options.sweepIntervalMs ?? 5000 },
    check: { run: checkAll, everyMs: options.checkIntervalMs ?? 60_000 },
  })

  /**
   * Set by wake() (readings were stored), cleared when a round claims: the
   * periodic check looks at it between its pages (checkAll).
   */
  let isWoken = false

  async function drainQueue(): Promise<void> {
    while (await judgeRound() && !loop.isStopped) {
      // a full round: more may be waiting
    }
  }

  /** One round: claims up to batchPatients queued patients (urgent ones first) and judges them; true when it was full. */
  async function judgeRound(): Promise<boolean> {
    isWoken = false
    let claims: RuleWorkClaim[]
    try {
      claims = await claimRuleWork(db, batchPatients)
      if (claims.length === 0) return false
      await judge(claims)
    } catch (error) {
      // the database is down or a statement failed: the claims run out and are taken again
      stats.errors++
      log.error({ err: error }, 'judging queued patients failed; retrying on the next sweep')
      return false
    }
    return claims.length === batchPatients
  }

  async function judge(claims: RuleWorkClaim[]): Promise<void> {
    loopDelay.take()
    const startedAt = performance.now()
    const judging = await loadJudging(claims.map((c) => c.patientId), (ruleSets) => history.load(claims.flatMap((claim) => {
      const ruleSet = ruleSets.get(claim.patientId)
      return ruleSet ? [{ patientId: claim.patientId, pendingSince: claim.pendingSince, needs: historyNeeds(ruleSet) }] : []
    })))
    const readings = judging.alongside
    const loadedAt = performance.now()
    const now = clock.now()
    const batches: PatientActions[] = claims.map((claim) => {
      const patient = judging.ctx.patients.get(claim.patientId)
      if (!patient || patient.serviceState === 'ended') return { tenantId: claim.tenantId, patientId: claim.patientId, actions: [] }
      const all = readings.get(patient.id) ?? []
      const fresh = all.filter((r) => r.receivedAt.getTime() >= claim.pendingSince.getTime())
      return { tenantId: patient.tenantId, patientId: patient.id, actions: evaluatePatient(judging, patient.id, now, { fresh, all }, clock.setting) }
    })
    const evaluatedAt = performance.now()
    const changed = await applyRuleActions(db, batches, claims, randomUUID, { claimEvents: options.publish !== undefined })
    const appliedAt = performance.now()
    stats.rounds++
    stats.patientsJudged += claims.length
    announce(changed)
    const endedAt = performance.now()
    const ms = endedAt - startedAt
    const round = {
      ms: Math.round(ms), patients: claims.length, urgent: claims.filter((c) => c.isUrgent).length,
      // where it went: reading (database), judging (this thread), writing (database), announcing (this thread)
      loadMs: Math.round(loadedAt - startedAt), evaluateMs: Math.round(evaluatedAt - loadedAt),
      applyMs: Math.round(appliedAt - evaluatedAt), announceMs: Math.round(endedAt - appliedAt),
    }
    log.debug({ event: 'round', ...round }, 'judged a round')
    if (ms > SLOW_ROUND_MS) {
      log.warn({
        event: 'slow-round', ...round,
        loopDelay: loopDelay.take(),
        readings: [...readings.values()].reduce((n, r) => n + r.length, 0), history: history.stats(),
      }, 'judging a round of patients was slow: new alerts wait for it')
    }
  }

  /**
   * Schedules and device health of every monitored patient, a page at a time:
   * small pages, since each page's last-reading query probes every vital of
   * every patient in one statement, and on the embedded database every
   * reading's store waits behind it (200 patients a page held the session for
   * up to 2.5 s under the alert bench's load).
   */
  async function checkAll(): Promise<number> {
    let changedCount = 0
    let after: string | null = null
    const startedAt = performance.now()
    let pages = 0
    let roundsBetween = 0
    try {
      for (;;) {
        pages++
        const ids = await listMonitoredPatientIds(db, after, checkPatients)
        if (ids.length === 0) break
        after = ids[ids.length - 1] ?? null
        const judging = await loadJudging(ids, async () => null)
        const now = clock.now()
        const batches: PatientActions[] = []
        for (const patient of judging.ctx.patients.values()) {
          const actions = evaluatePatient(judging, patient.id, now, null, clock.setting)
          if (actions.length > 0) batches.push({ tenantId: patient.tenantId, patientId: patient.id, actions })
        }
        if (batches.length > 0) {
          const changed = await applyRuleActions(db, batches, [], randomUUID, { claimEvents: options.publish !== undefined })
          changedCount += changed.length
          announce(changed)
        }
        if (ids.length < checkPatients) break
        // readings were stored meanwhile: one round before the next page, so a red reading waits for one page of the
        // check, not for all of it (the loop runs one job at a time; under the alert bench a whole check of 200
        // patients held the rounds for seconds, and a probe that came during it missed the 1 s p99). One round, not
        // the whole queue: under load the queue never empties, and the check must still reach its last page.
        if (isWoken && roundsDuringCheck) {
          roundsBetween++
          await judgeRound()
        }
      }
      stats.checks++
      const ms = performance.now() - startedAt
      if (ms > SLOW_ROUND_MS) log.info({ event: 'slow-check', ms: Math.round(ms), pages, roundsBetween }, 'the schedule and device check was slow')
    } catch (error) {
      stats.errors++
      log.error({ err: error }, 'schedule and device check failed; retrying on the next check')
    }
    return changedCount
  }

  /**
   * What judging these patients needs, besides their readings: loaded the same
   * way by both paths. `alongside` runs beside the last statement (the round's
   * history load), once the rule sets are known.
   */
  async function loadJudging<T>(ids: string[], alongside: (ruleSets: Map<string, RuleSet>) => Promise<T>): Promise<Judging & { alongside: T }> {
    const [ctx, overrides, pauses] = await Promise.all([
      loadRuleContext(db, ids), loadRuleOverrides(db, ids, invalidOverride), loadServicePauses(db, ids),
    ])
    const ruleSets = new Map<string, RuleSet>()
    for (const patient of ctx.patients.values()) ruleSets.set(patient.id, rulesOf(patient.id, patient.conditions, overrides.get(patient.id) ?? []))
    // the last reading of each vital a schedule watches (evaluateSchedules reads no other): each vital is an index
    // probe per patient, and all of them for every patient of a round held the embedded session for 150-500 ms
    // under the alert bench's load, in every round (`slow-statement`), though its patients had no schedules at all
    const scheduled = new Map<string, VitalType[]>()
    for (const [id, ruleSet] of ruleSets) {
      const vitals = [...new Set(enabledRules(ruleSet, 'missed-measurement').map((r) => r.params.vital))]
      if (vitals.length > 0) scheduled.set(id, vitals)
    }
    const [lastByPatient, more] = await Promise.all([
      loadLastReadingTimes(db, [...scheduled.keys()], undefined, [...new Set([...scheduled.values()].flat())]),
      alongside(ruleSets),
    ])
    return { ctx, ruleSets, pauses, lastByPatient, alongside: more }
  }

  function invalidOverride(patientId: string, ruleId: string, error: unknown): void {
    stats.errors++
    log.error({ err: error, patientId, ruleId }, 'a stored rule override is invalid; judging without it')
  }

  function rulesOf(patientId: string, conditions: Parameters<typeof resolvePatientRules>[0], overrides: RuleOverride[]): RuleSet {
    try {
      return resolvePatientRules(conditions, overrides)
    } catch (error) {
      // A broken override must never silence the patient's defaults: judge by the profiles and say so.
      stats.errors++
      log.error({ err: error, patientId }, "a patient's rule overrides do not resolve; judging by the condition defaults")
      return resolvePatientRules(conditions, [])
    }
  }

  /** What a round changed: counted and logged; its events are in the outbox already, the relay is woken. */
  function announce(changed: ChangedAlert[]): void {
    if (changed.length > 0) {
      options.publish?.(changed.map((c) => c.event))
      options.onChanged?.(changed)
    }
    for (const c of changed) {
      if (c.change === 'opened') stats.alertsOpened++
      else if (c.change === 'updated') stats.alertsUpdated++
      else stats.alertsCleared++
      if (c.change !== 'cleared') {
        log.info({ event: `alert-${c.change}`, alertId: c.id, alertKey: c.alertKey, severity: c.severity, revision: c.revision }, `alert ${c.change}`)
      }
    }
  }

  return {
    wake: () => {
      isWoken = true
      loop.wake('rounds')
    },
    drain: () => loop.drain('rounds'),
    checkNow: async () => (await loop.run('check')) ?? 0,
    stats: () => {
      const h = history.stats()
      return { ...stats, historyHits: h.hits, historyLoads: h.loads }
    },
    async stop() {
      await loop.stop()
      loopDelay.stop()
      ownClock?.stop()
      log.info({ event: 'stopped', ...stats }, 'rules stopped')
    },
  }
}

/** What judging a round of patients needs, besides their readings (`loadJudging`). */
export interface Judging {
  ctx: RuleContext
  ruleSets: Map<string, RuleSet>
  pauses: Map<string, ServicePause[]>
  lastByPatient: Awaited<ReturnType<typeof loadLastReadingTimes>>
}

/**
 * One patient's judgement, the same for both paths of the worker (issue 15):
 * new readings (`readings`: the fresh ones and the whole history) when the
 * queue woke it, none on the periodic check; then schedules (a reading that
 * arrives clears its missed-measurement alert) and device health.
 */
export function evaluatePatient(
  judging: Judging, patientId: string, now: Date, readings: { fresh: StoredReading[]; all: StoredReading[] } | null,
  clockSetting: ClockSetting = WALL_CLOCK,
): AlertAction[] {
  const patient = judging.ctx.patients.get(patientId)
  const ruleSet = judging.ruleSets.get(patientId)
  if (!patient || !ruleSet) return []
  const pauses = pausesOf(patient.serviceState, judging.pauses.get(patientId) ?? [])
  const openAlerts = judging.ctx.openAlerts.get(patientId) ?? []
  return [
    // a dangerous value in a pause still alerts, and says the service is paused
    ...(readings ? notePausedService(evaluateReadings({ ruleSet, readings: readings.fresh, history: readings.all, openAlerts, now }), pauses) : []),
    ...evaluateSchedules({
      ruleSet, lastReadingAtByType: judging.lastByPatient.get(patientId) ?? {}, openAlerts, now, pauses, serviceStartedAt: patient.serviceStartedAt,
    }),
    ...deviceHealth(ruleSet, judging.ctx, patientId, openAlerts, now, pauses, clockSetting),
  ]
}

/** A service in state `paused` without a recorded pause is paused from the start, until further notice. */
function pausesOf(state: 'active' | 'paused' | 'ended', pauses: ServicePause[]): ServicePause[] {
  if (state !== 'paused' || pauses.some((p) => p.until === null)) return pauses
  return [...pauses, { from: new Date(0), until: null }]
}

function deviceHealth(
  ruleSet: RuleSet, ctx: RuleContext, patientId: string, openAlerts: Parameters<typeof evaluateDeviceHealth>[0]['openAlerts'],
  now: Date, pauses: ServicePause[], clockSetting: ClockSetting,
): AlertAction[] {
  // a gateway's last contact is stamped by the database's wall clock (a connection, not a clinical time): on the
  // platform's clock it is as long ago as the clock's speed makes it (decision 0014)
  const gateways = (ctx.gateways.get(patientId) ?? []).map((g): GatewayHealth => ({ ...g, lastSeenAt: new Date(platformTimeAt(clockSetting, g.lastSeenAt.getTime())) }))
  const devices = ctx.devices.get(patientId) ?? []
  if (gateways.length === 0) return evaluateDeviceHealth({ ruleSet, gateway: null, devices, openAlerts, now, pauses })
  // devices' batteries judged once, with the first gateway
  return gateways.flatMap((gateway, i) =>
    evaluateDeviceHealth({ ruleSet, gateway, devices: i === 0 ? devices : [], openAlerts, now, pauses }),
  )
}
