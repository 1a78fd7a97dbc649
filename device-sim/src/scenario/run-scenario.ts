import { randomBytes } from 'node:crypto'
import { setTimeout as delay } from 'node:timers/promises'
import { VITAL_TYPES, type Measurement } from '@varde/domain'
import { pino, type Logger } from 'pino'
import type { DeviceReading } from '../devices/measurement-encoding.js'
import { packReadings } from '../gateway/batch-packing.js'
import { SimGateway, type BatchReceipt } from '../gateway/sim-gateway.js'
import { PlatformApiError, PlatformClient, type PlatformCredentials } from '../platform-api/platform-client.js'
import type { Seed } from '../random/seeded-noise.js'
import { formatDuration } from '../time/duration.js'
import { zoneOffsetMinutes } from '../time/zoned-time.js'
import {
  diffAlerts,
  diffCommands,
  diffObservations,
  diffReceipts,
  totalReceipts,
  type BatchOutcome,
  type Difference,
  NO_OTHER_ALERT,
  type ReceiptTotals,
} from './expectation-diff.js'
import { loadScenarioFile } from './parse-scenario.js'
import { formatClockTime, resolveClockTimes, RuleClockTime } from './rule-clock-time.js'
import { measureStepReadings, planScenario, resolveAt, sendStepMeasurements, type ScenarioPlan } from './scenario-plan.js'
import type { Expectations, LiveStep, RuleStep, Scenario, ScenarioStep } from './scenario-types.js'

/** The platform's time now (`GET /api/clock`). */
async function platformNow(client: PlatformClient): Promise<Date> {
  const answer = (await client.getJson('/api/clock')) as { now?: unknown }
  if (typeof answer.now !== 'string') throw new Error('GET /api/clock: no time in the answer')
  return new Date(answer.now)
}

export interface RunScenarioOptions {
  mqttUrl: string
  /** The platform's HTTP base, e.g. http://localhost:8080; needed to check observations and alerts. */
  httpUrl?: string
  /** Portal login for reading observations and alerts back. */
  credentials?: PlatformCredentials
  /**
   * An administrator's login (demo and test platforms only): a step waiting
   * on a compressed schedule's deadline moves the platform clock past it
   * (`POST /api/admin/clock`, decision 0014) instead of waiting for the wall
   * clock, and the gateway's clock moves with it, as after a sync-clock. The
   * clock is the platform's one: other runs against it see it move.
   */
  clockAdmin?: PlatformCredentials
  /** Check `expect:`; without it the scenario only runs. */
  expect: boolean
  /** Check only these kinds of expectation (default all), e.g. `['receipts', 'commands']` while the platform has no HTTP API yet. */
  only?: readonly ExpectationKind[]
  /** Run as another gateway than the file names (its secret defaults to `<id>-secret`). */
  gatewayId?: string
  secret?: string
  seed?: Seed
  /** What `start: now` means; default the moment the run begins. */
  now?: Date
  /** Give up on a batch's receipt after this long once the gateway is online. Default 60 s. */
  receiptTimeoutMs?: number
  /** Gateway re-send interval. Default 10 s. */
  resendAfterMs?: number
  /**
   * After the expected alerts are open, how long to keep looking for alerts
   * the scenario does not expect (the rules run right after storing). Default 3 s.
   */
  alertQuietMs?: number
  logger?: Logger
  onProgress?: (progress: ScenarioProgress) => void
}

export const EXPECTATION_KINDS = ['receipts', 'commands', 'observations', 'alerts'] as const
export type ExpectationKind = (typeof EXPECTATION_KINDS)[number]

export type ScenarioProgress =
  | { phase: 'step'; index: number; of: number; label: string; kind: ScenarioStep['kind'] }
  | { phase: 'live'; label: string; elapsedMs: number; durationMs: number; sent: number }
  /** A step waiting on the clock (a compressed schedule's deadline), about once a second. */
  | { phase: 'waiting'; label: string; what: string; remainingMs: number }
  | { phase: 'check' }
  /** Reading open alerts until the expected ones are there (at most `settleMs`). */
  | { phase: 'alerts'; elapsedMs: number; settleMs: number; missing: number }

export interface ScenarioResult {
  name: string
  source: string | null
  gatewayId: string
  /** Tells this run's devices apart from earlier runs'. */
  runId: string
  /** The instant scenario offsets resolved against. */
  start: Date
  startedAt: Date
  finishedAt: Date
  /** The scenario has an `expect:` section. */
  hasExpectations: boolean
  /** Expectations were checked (`--expect` and the scenario has some). */
  isChecked: boolean
  /** No differences and no errors. */
  ok: boolean
  outcomes: BatchOutcome[]
  totals: ReceiptTotals
  /** Commands the gateway received, as sent. */
  commands: unknown[]
  differences: Difference[]
  /** The run itself went wrong: no connection, a step failed, a receipt never came. */
  errors: string[]
  /** Things worth knowing that are not failures. */
  notes: string[]
}

/**
 * Runs a scenario (a file path or a parsed Scenario) against a platform, as
 * one gateway, through the device protocol only; then, with `expect`, reads
 * receipts, stored observations (FHIR) and open alerts back and lists every
 * difference from the scenario's `expect:`.
 */
export async function runScenario(input: string | Scenario, options: RunScenarioOptions): Promise<ScenarioResult> {
  const loaded = typeof input === 'string' ? await loadScenarioFile(input) : input
  const gatewayId = options.gatewayId ?? loaded.gateway.id
  const scenario: Scenario = {
    ...loaded,
    gateway: {
      ...loaded.gateway,
      id: gatewayId,
      secret: options.secret ?? (options.gatewayId ? `${options.gatewayId}-secret` : loaded.gateway.secret),
    },
    patient: { ...loaded.patient, seed: options.seed ?? loaded.patient.seed },
  }
  const logger = (options.logger ?? pino({ level: 'silent' })).child({ scenario: scenario.name })
  const startedAt = new Date()
  const start = scenario.start === 'now' ? (options.now ?? startedAt) : scenario.start
  const runId = randomBytes(3).toString('hex')
  const plan = planScenario(scenario, start, runId)
  const gateway = new SimGateway({
    gatewayId,
    secret: scenario.gateway.secret,
    mqttUrl: options.mqttUrl,
    devices: plan.devices,
    clockOffsetMs: scenario.gateway.clockOffsetMs,
    battery: scenario.gateway.battery,
    timeZone: plan.timeZone,
    resendAfterMs: options.resendAfterMs ?? 10_000,
    bootId: runId,
    logger,
    ...(scenario.gateway.firmware === null ? {} : { firmware: scenario.gateway.firmware }),
  })
  const run = new ScenarioRun(plan, gateway, options, logger)
  const errors: string[] = []
  const notes: string[] = []
  let differences: Difference[] = []
  try {
    await gateway.start()
    await run.steps(scenario.steps, errors)
    if (options.expect && scenario.expect) {
      options.onProgress?.({ phase: 'check' })
      differences = await checkExpectations(selectExpectations(scenario.expect, options.only), run, options, notes)
    }
  } catch (error) {
    errors.push((error as Error).message)
  } finally {
    await gateway.stop()
  }
  return {
    name: scenario.name,
    source: scenario.source,
    gatewayId,
    runId,
    start,
    startedAt,
    finishedAt: new Date(),
    hasExpectations: scenario.expect !== null,
    isChecked: options.expect && scenario.expect !== null,
    ok: errors.length === 0 && differences.length === 0,
    outcomes: run.outcomes,
    totals: totalReceipts(run.outcomes),
    commands: run.commands,
    differences,
    errors,
    notes: [...lostReceiptNotes(run.outcomes, options.resendAfterMs ?? 10_000), ...notes],
  }
}

/** Says which batches needed a re-send, so a lost receipt is seen even when every expectation holds. */
function lostReceiptNotes(outcomes: readonly BatchOutcome[], resendAfterMs: number): string[] {
  const resent = outcomes.filter((o) => (o.attempts ?? 1) > 1 && o.receipt !== null)
  if (resent.length === 0) return []
  const names = resent.slice(0, 3).map((o) => o.batchId ?? '?').join(', ')
  return [
    `${resent.length} batch${resent.length === 1 ? '' : 'es'} re-sent because no receipt came within ${formatDuration(resendAfterMs)} (${names}${resent.length > 3 ? ', …' : ''}); ` +
      'what the platform answered "duplicate" to a re-send was stored by the first send and counts as accepted',
  ]
}

/** The state of one run: the gateway, what was sent under which step, what came back. */
class ScenarioRun {
  readonly startedAt = new Date()
  readonly outcomes: BatchOutcome[] = []
  readonly commands: unknown[] = []
  /** Earliest and latest true measurement times sent, for default observation windows. */
  readonly sentWindow = { from: Infinity, to: -Infinity }
  private readonly sentMeasurements = new Map<BatchOutcome, readonly unknown[]>()
  private inflight: Promise<unknown>[] = []
  private isOffline = false
  private readonly commandWaiters: { name: string; resolve(): void }[] = []
  private readonly receiptTimeoutMs: number
  private readonly onProgress: RunScenarioOptions['onProgress']
  private platform: { client: PlatformClient; patientId: string } | null = null

  constructor(
    readonly plan: ScenarioPlan,
    readonly gateway: SimGateway,
    private readonly options: RunScenarioOptions,
    private readonly logger: Logger,
  ) {
    this.receiptTimeoutMs = options.receiptTimeoutMs ?? 60_000
    this.onProgress = options.onProgress
    gateway.on('publish', ({ batchId, attempt }) => {
      // the outcome still waiting for this batchId's receipt is the one sent again
      const outcome = this.outcomes.findLast((o) => o.batchId === batchId && o.receipt === null)
      if (outcome) outcome.attempts = attempt
    })
    gateway.on('command', (command) => {
      this.commands.push(command)
      const name = typeof command === 'object' && command !== null && 'command' in command ? String(command.command) : ''
      for (const w of this.commandWaiters.filter((w) => w.name === name)) w.resolve()
    })
  }

  async steps(steps: readonly ScenarioStep[], errors: string[]): Promise<void> {
    for (const [index, step] of steps.entries()) {
      const label = step.name !== '' ? step.name : `step ${index + 1} (${step.kind})`
      this.onProgress?.({ phase: 'step', index, of: steps.length, label, kind: step.kind })
      try {
        await this.step(step, label)
      } catch (error) {
        errors.push(`${label}: ${(error as Error).message}`)
        return
      }
      if (!this.isOffline) await this.settle()
    }
    await this.settle()
    for (const o of this.outcomes) if (o.receipt === null) errors.push(`${o.step}: ${o.batchId ?? 'raw payload'}: ${o.error ?? 'no receipt'}`)
  }

  /** Resolves when the gateway has received `name`, or after `timeoutMs` with false. */
  async waitForCommand(name: string, timeoutMs: number): Promise<boolean> {
    const has = (): boolean => this.commands.some((c) => typeof c === 'object' && c !== null && 'command' in c && c.command === name)
    if (has()) return true
    let waiter: { name: string; resolve(): void } | undefined
    const arrived = new Promise<void>((resolve) => {
      waiter = { name, resolve }
      this.commandWaiters.push(waiter)
    })
    const timeout = new AbortController()
    const result = await Promise.race([arrived.then(() => true), delay(timeoutMs, false, { signal: timeout.signal }).catch(() => false)])
    timeout.abort()
    const i = waiter ? this.commandWaiters.indexOf(waiter) : -1
    if (i >= 0) this.commandWaiters.splice(i, 1)
    return result
  }

  private async step(step: ScenarioStep, label: string): Promise<void> {
    const gateway = this.gateway
    switch (step.kind) {
      case 'measure':
        for (const group of measureStepReadings(this.plan, step)) this.sendReadings(label, group)
        return
      case 'send': {
        const measurements = sendStepMeasurements(
          this.plan,
          step,
          (at) => this.stamp(at),
          (at) => zoneOffsetMinutes(at, this.plan.timeZone),
        )
        this.track(label, step.batchId ?? gateway.nextBatchId(), measurements)
        return
      }
      case 'payload': {
        const outcome = this.newOutcome(label, null, [])
        this.await(outcome, gateway.publishRaw(step.payload, { timeoutMs: this.receiptTimeoutMs }))
        return
      }
      case 'offline':
        await this.settle()
        await gateway.disconnectAbruptly()
        this.isOffline = true
        return
      case 'online':
        await gateway.reconnect()
        this.isOffline = false
        return
      case 'resend': {
        const earlier = this.outcomes.filter((o) => o.step === step.step && o.batchId !== null)
        if (earlier.length === 0) throw new Error(`step "${step.step}" sent no batch to re-send`)
        for (const o of earlier) this.track(label, o.batchId as string, this.sentMeasurements.get(o) ?? [])
        return
      }
      case 'battery':
        for (const device of gateway.devices) {
          if (step.level !== null && (step.device === null || device.kind === step.device)) device.battery = step.level
        }
        if (step.gateway !== null) gateway.setBattery(step.gateway)
        return
      case 'clock':
        gateway.setClockOffset(step.offsetMs)
        return
      case 'wait':
        if (!(await this.waitForCommand(step.command, step.timeoutMs))) {
          throw new Error(`no ${step.command} command within ${formatDuration(step.timeoutMs)}`)
        }
        return
      case 'live':
        await this.live(step, label)
        return
      case 'rule':
        await this.rule(step, label)
        return
    }
  }

  /** The platform's HTTP API, logged in as the run's user, and the patient of the gateway. */
  async platformApi(): Promise<{ client: PlatformClient; patientId: string }> {
    if (this.platform) return this.platform
    const { httpUrl, credentials } = this.options
    if (!httpUrl || !credentials) throw new Error('needs the platform\'s HTTP API (--http) and a user (--user, --password)')
    const client = new PlatformClient(httpUrl)
    await client.login(credentials)
    this.platform = { client, patientId: await client.patientIdOfGateway(this.gateway.gatewayId) }
    return this.platform
  }

  /** The platform's HTTP API logged in as `options.clockAdmin`, who may move the platform clock. */
  private async clockAdminApi(): Promise<PlatformClient> {
    const { httpUrl, clockAdmin } = this.options
    if (!httpUrl || !clockAdmin) throw new Error('moving the platform clock needs its HTTP API (--http) and an administrator')
    const client = new PlatformClient(httpUrl)
    await client.login(clockAdmin)
    return client
  }

  /**
   * Changes one of the patient's rules through the API. Clock times written
   * `{ in: 10s }` become `HH:MM` in the zone the platform keeps the patient's
   * schedules in; the step then waits until each has passed, so that what
   * follows (and the check) comes after, say, a compressed deadline.
   */
  private async rule(step: RuleStep, label: string): Promise<void> {
    const { client, patientId } = await this.platformApi()
    const clockKeys = Object.entries(step.params ?? {}).filter((e): e is [string, RuleClockTime] => e[1] instanceof RuleClockTime)
    const params = step.params === null ? undefined : { ...step.params }
    let instants: Date[] = []
    const admin = this.options.clockAdmin === undefined || clockKeys.length === 0 ? null : await this.clockAdminApi()
    if (params && clockKeys.length > 0) {
      const timeZone = await client.patientRuleTimeZone(patientId)
      // the schedule is read on the platform's clock: its times count from the platform's now
      instants = resolveClockTimes(clockKeys.map(([, t]) => t), admin ? await platformNow(admin) : new Date(), timeZone)
      clockKeys.forEach(([key], i) => (params[key] = formatClockTime(instants[i] as Date, timeZone)))
      this.logger.info({ ruleId: step.ruleId, times: Object.fromEntries(clockKeys.map(([key]) => [key, params[key]])), timeZone }, 'compressed schedule')
    }
    await client.setPatientRule(patientId, step.ruleId, {
      ...(step.ruleKind === null ? {} : { kind: step.ruleKind }),
      ...(params === undefined ? {} : { params }),
      ...(step.isEnabled === null ? {} : { isEnabled: step.isEnabled }),
      reason: step.reason ?? `scenario "${this.plan.scenario.name}", step ${label}`,
    })
    if (instants.length === 0) return
    // a second past the last time, so the platform's clock has passed it too
    const until = Math.max(...instants.map((d) => d.getTime())) + 1000
    const what = clockKeys.map(([key]) => `${key} ${String(params?.[key])}`).join(', ')
    if (admin) {
      const aheadMs = Math.ceil((until - (await platformNow(admin)).getTime()) / 1000) * 1000
      if (aheadMs <= 0) return
      this.onProgress?.({ phase: 'waiting', label, what: `${step.ruleId}: ${what} (moving the platform clock)`, remainingMs: 0 })
      await admin.sendJson('POST', '/api/admin/clock', { advance: `${aheadMs / 1000}s` })
      this.gateway.setClockOffset(this.gateway.clockOffsetMs + aheadMs)
      return
    }
    for (let left = until - Date.now(); left > 0; left = until - Date.now()) {
      this.onProgress?.({ phase: 'waiting', label, what: `${step.ruleId}: ${what}`, remainingMs: left })
      await delay(Math.min(1000, left))
    }
  }

  /** Real time, compressed schedule: every `everyMs` the next session of the day plan, measured now. */
  private async live(step: LiveStep, label: string): Promise<void> {
    const slots = this.plan.schedule
      .map((s) => s.devices.filter((d) => step.devices === null || step.devices.includes(d)))
      .filter((devices) => devices.length > 0)
    if (slots.length === 0) throw new Error('no device of the day plan to measure with')
    const began = Date.now()
    let sent = 0
    for (let k = 0; Date.now() - began < step.durationMs; k++) {
      const now = new Date()
      const readings = (slots[k % slots.length] ?? []).flatMap((kind, i) => {
        const device = this.gateway.devices.find((d) => d.kind === kind)
        const at = new Date(now.getTime() - i * 1000)
        return device ? [{ device, at, values: this.plan.patient.measure(kind, at) }] : []
      })
      this.sendReadings(label, readings)
      sent += readings.length
      this.onProgress?.({ phase: 'live', label, elapsedMs: Date.now() - began, durationMs: step.durationMs, sent })
      await delay(Math.max(0, Math.min(step.everyMs, step.durationMs - (Date.now() - began))))
    }
  }

  private stamp(at: Date): string {
    return this.gateway.stampTime(at)
  }

  private sendReadings(label: string, readings: readonly DeviceReading[]): void {
    const batches = packReadings(readings, { stampTime: (at) => this.stamp(at), localOffsetMinutes: (at) => zoneOffsetMinutes(at, this.plan.timeZone) })
    for (const measurements of batches) this.track(label, this.gateway.nextBatchId(), measurements)
  }

  private track(label: string, batchId: string, measurements: readonly unknown[]): void {
    const ids = measurements.map((m) => (typeof m === 'object' && m !== null && 'id' in m ? String(m.id) : ''))
    // The true times sent (gateway stamp minus its clock error), for default observation windows.
    for (const m of measurements as Partial<Measurement>[]) {
      const at = typeof m?.measuredAt === 'string' ? Date.parse(m.measuredAt) - this.gateway.clockOffsetMs : NaN
      if (Number.isFinite(at)) {
        this.sentWindow.from = Math.min(this.sentWindow.from, at)
        this.sentWindow.to = Math.max(this.sentWindow.to, at)
      }
    }
    const outcome = this.newOutcome(label, batchId, ids)
    this.sentMeasurements.set(outcome, measurements)
    this.await(outcome, this.gateway.sendUncheckedBatch(measurements, { batchId }))
  }

  private newOutcome(step: string, batchId: string | null, measurementIds: string[]): BatchOutcome {
    const isFirstSend = batchId === null || !this.outcomes.some((o) => o.batchId === batchId)
    const outcome: BatchOutcome = { step, batchId, measurementIds, receipt: null, error: null, latencyMs: null, attempts: 1, isFirstSend }
    this.outcomes.push(outcome)
    return outcome
  }

  private await(outcome: BatchOutcome, receipt: Promise<BatchReceipt>): void {
    const sentAt = performance.now()
    this.inflight.push(
      receipt.then(
        (r) => {
          outcome.receipt = r
          outcome.error = null
          outcome.latencyMs = performance.now() - sentAt
          if (r.batchId !== null && r.rejected.length > 0) {
            this.logger.debug({ batchId: r.batchId, rejected: r.rejected.map((x) => x.code) }, 'rejections')
          }
        },
        (error: Error) => {
          outcome.error = error.message
        },
      ),
    )
  }

  /** Waits for every receipt still due, at most the receipt timeout. */
  private async settle(): Promise<void> {
    const waiting = this.inflight
    this.inflight = []
    if (waiting.length === 0) return
    const timeout = new AbortController()
    await Promise.race([Promise.all(waiting), delay(this.receiptTimeoutMs, undefined, { signal: timeout.signal }).catch(() => undefined)])
    timeout.abort()
    for (const o of this.outcomes) {
      if (o.receipt === null && o.error === null) o.error = `no receipt within ${formatDuration(this.receiptTimeoutMs)}`
    }
  }
}

/** The expectations of the kinds asked for; the others as if not written. */
function selectExpectations(expect: Expectations, only: readonly ExpectationKind[] | undefined): Expectations {
  if (!only) return expect
  return {
    ...expect,
    receipts: only.includes('receipts') ? expect.receipts : null,
    commands: only.includes('commands') ? expect.commands : null,
    observations: only.includes('observations') ? expect.observations : null,
    alerts: only.includes('alerts') ? expect.alerts : null,
  }
}

async function checkExpectations(
  expect: Expectations,
  run: ScenarioRun,
  options: RunScenarioOptions,
  notes: string[],
): Promise<Difference[]> {
  const differences: Difference[] = []
  if (expect.receipts) differences.push(...diffReceipts(expect.receipts, run.outcomes))
  if (expect.commands) {
    for (const name of expect.commands) await run.waitForCommand(name, expect.settleMs)
    differences.push(...diffCommands(expect.commands, run.commands))
  }
  if (!expect.observations && !expect.alerts) return differences
  if (!options.httpUrl || !options.credentials) {
    differences.push({ path: expect.observations ? 'observations' : 'alerts', expected: 'the platform read back over HTTP', actual: 'no HTTP URL or credentials given' })
    return differences
  }
  let client: PlatformClient
  let patientId: string
  try {
    ;({ client, patientId } = await run.platformApi())
  } catch (error) {
    differences.push({ path: expect.observations ? 'observations' : 'alerts', expected: 'the patient of the gateway readable via the API', actual: (error as Error).message })
    return differences
  }
  if (expect.observations) differences.push(...(await checkObservations(expect, run, client, patientId, notes)))
  if (expect.alerts) differences.push(...(await checkAlerts(expect, run, client, patientId, options)))
  return differences
}

async function checkObservations(expect: Expectations, run: ScenarioRun, client: PlatformClient, patientId: string, notes: string[]): Promise<Difference[]> {
  const differences: Difference[] = []
  // The run's devices have ids of their own, so only this run's readings count.
  const deviceRefs = new Set(run.gateway.devices.map((d) => d.deviceId))
  try {
    for (const device of run.gateway.devices) {
      for (const resource of await client.findDevices(device.deviceId)) {
        if (typeof resource['id'] === 'string') deviceRefs.add(`Device/${resource['id']}`)
      }
    }
  } catch (error) {
    if (!(error instanceof PlatformApiError)) throw error
    notes.push(`device lookup failed (${error.message}); observations matched by device id only`)
  }
  for (const [i, e] of (expect.observations ?? []).entries()) {
    const path = `observations[${i}] (${e.type})`
    const from = e.from ? resolveAt(run.plan, e.from) : Number.isFinite(run.sentWindow.from) ? new Date(run.sentWindow.from - 60_000) : null
    const to = e.to ? resolveAt(run.plan, e.to) : new Date(Date.now() + 5 * 60_000)
    try {
      const stored = await client.observations({ patientId, loinc: VITAL_TYPES[e.type].loinc, from, to })
      // A reference may be absolute (`http://…/fhir/Device/x`); compare from `Device/` on.
      const isMine = (ref: string): boolean => deviceRefs.has(ref) || deviceRefs.has(ref.slice(Math.max(0, ref.lastIndexOf('Device/'))))
      const namesDevices = stored.some((o) => o.deviceRefs.length > 0)
      if (!namesDevices && stored.length > 0) {
        notes.push(`${path}: the platform's Observations name no device; counted every reading of the patient in the window`)
      }
      const mine = namesDevices ? stored.filter((o) => o.deviceRefs.some(isMine)) : stored
      const observed = mine.flatMap((o) => (o.value === null || o.at === null ? [] : [{ value: o.value, at: o.at }]))
      differences.push(...diffObservations(path, e, observed))
    } catch (error) {
      if (!(error instanceof PlatformApiError)) throw error
      differences.push({ path, expected: 'observations readable via /fhir/Observation', actual: error.message })
    }
  }
  return differences
}

/**
 * Open alerts appear once the rules have judged what was stored: polls until
 * the expected ones are open (at most `settle`), then keeps looking a little
 * longer (`alertQuietMs`) for alerts the scenario does not expect.
 */
async function checkAlerts(
  expect: Expectations,
  run: ScenarioRun,
  client: PlatformClient,
  patientId: string,
  options: RunScenarioOptions,
): Promise<Difference[]> {
  const expected = expect.alerts ?? []
  const began = Date.now()
  const deadline = began + expect.settleMs
  let quietUntil: number | null = null
  for (;;) {
    let differences: Difference[]
    try {
      const open = (await client.openAlerts()).filter((a) => a.patientId === patientId)
      differences = diffAlerts(expected, open, run.startedAt)
    } catch (error) {
      if (!(error instanceof PlatformApiError)) throw error
      differences = [{ path: 'alerts', expected: 'open alerts readable via /api/alerts?status=open', actual: error.message }]
    }
    const now = Date.now()
    if (differences.length === 0) {
      quietUntil ??= now + (options.alertQuietMs ?? 3000)
      if (now >= quietUntil) return differences
    } else {
      quietUntil = null
      // an unexpected alert stays open whatever we wait for (only a nurse resolves one)
      const isOnlyUnexpected = differences.every((d) => d.path === 'alerts' && d.expected === NO_OTHER_ALERT)
      if (isOnlyUnexpected || now >= deadline) return differences
    }
    const missing = differences.filter((d) => d.path.startsWith('alerts[')).length
    options.onProgress?.({ phase: 'alerts', elapsedMs: now - began, settleMs: expect.settleMs, missing })
    await delay(Math.min(500, Math.max(0, (quietUntil ?? deadline) - now)))
  }
}
