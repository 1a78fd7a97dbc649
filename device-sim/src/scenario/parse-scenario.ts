import { readFile } from 'node:fs/promises'
import { GATEWAY_ID_PATTERN, isVitalType, PROTOCOL_ERROR_CODES, type ProtocolErrorCode, type VitalType } from '@varde/domain'
import { parse as parseYaml, YAMLParseError } from 'yaml'
import { DEVICE_KINDS, isDeviceKind, type DeviceEncoding, type DeviceKind } from '../devices/device-kinds.js'
import { EPISODE_KINDS, isEpisodeKind } from '../patient/episodes.js'
import { isProfile, PROFILE_NAMES, type Baseline, type Profile } from '../patient/profiles.js'
import { parseDuration } from '../time/duration.js'
import { parseTimeOffset, type TimeOffset } from '../time/time-offset.js'
import { DEFAULT_TIME_ZONE, isTimeZone } from '../time/zoned-time.js'
import { RuleClockTime } from './rule-clock-time.js'
import type {
  AlertExpectation,
  ExplicitMeasurement,
  Expectations,
  ObservationExpectation,
  Range,
  ReceiptCounts,
  Scenario,
  ScenarioDevice,
  ScenarioEpisode,
  ScenarioStep,
} from './scenario-types.js'

export interface ScenarioIssue {
  /** `steps[2].measure.from` */
  path: string
  message: string
}

/** A scenario file that cannot be run; every problem found is listed, with its place in the file. */
export class ScenarioError extends Error {
  readonly code = 'invalid-scenario'
  constructor(
    readonly source: string,
    readonly issues: ScenarioIssue[],
  ) {
    super(`${source}: ${issues.length === 1 ? 'a problem' : `${issues.length} problems`}\n${issues.map((i) => `  ${i.path || '(file)'}: ${i.message}`).join('\n')}`)
    this.name = 'ScenarioError'
  }
}

export async function loadScenarioFile(path: string): Promise<Scenario> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new ScenarioError(path, [{ path: '', message: `cannot read: ${(error as Error).message}` }])
  }
  return parseScenarioText(text, path)
}

export function parseScenarioText(text: string, source = '(scenario)'): Scenario {
  let document: unknown
  try {
    document = parseYaml(text, { prettyErrors: true })
  } catch (error) {
    const message = error instanceof YAMLParseError ? error.message : String(error)
    throw new ScenarioError(source, [{ path: '', message: `not valid YAML: ${message}` }])
  }
  return parseScenario(document, source)
}

const STEP_KINDS = ['measure', 'send', 'payload', 'offline', 'online', 'resend', 'battery', 'clock', 'wait', 'live', 'rule'] as const

/** `patient.baseline` keys and the model's names for them. */
const BASELINE_KEYS = {
  weight: 'weightKg', spo2: 'spo2', pulse: 'pulse', systolic: 'systolic', diastolic: 'diastolic', temperature: 'temperature', glucose: 'glucose',
} as const satisfies Record<string, keyof Baseline>

/** Validates a scenario document (parsed YAML or an object literal). Throws ScenarioError listing every problem. */
export function parseScenario(document: unknown, source = '(scenario)'): Scenario {
  const issues: ScenarioIssue[] = []
  const root = new Fields(document, '', issues)
  root.allow(['name', 'description', 'timezone', 'start', 'gateway', 'patient', 'devices', 'steps', 'expect'])
  const timeZone = root.string('timezone') ?? DEFAULT_TIME_ZONE
  if (!isTimeZone(timeZone)) root.issue('timezone', `unknown time zone "${timeZone}"`)

  const gatewayFields = root.object('gateway', true)
  gatewayFields.allow(['id', 'secret', 'firmware', 'battery', 'clock'])
  const gatewayId = gatewayFields.string('id', true) ?? ''
  if (gatewayId !== '' && !GATEWAY_ID_PATTERN.test(gatewayId)) gatewayFields.issue('id', 'must be 3–64 of A-Z a-z 0-9 . _ -')
  const patientFields = root.object('patient', true)
  patientFields.allow(['profiles', 'seed', 'adherence', 'episodes', 'baseline'])
  const profiles = patientFields.list('profiles', true).map((p, i) => {
    if (isProfile(p)) return p
    patientFields.issue(`profiles[${i}]`, `unknown profile ${JSON.stringify(p)} (known: ${PROFILE_NAMES.join(', ')})`)
    return 'general' as Profile
  })
  const seedValue = patientFields.raw('seed')
  if (typeof seedValue !== 'number' && typeof seedValue !== 'string') patientFields.issue('seed', 'required: a number or a string')

  const scenario: Scenario = {
    name: root.string('name', true) ?? '',
    description: root.string('description') ?? '',
    source,
    timeZone,
    start: parseStart(root),
    gateway: {
      id: gatewayId,
      secret: gatewayFields.string('secret') ?? `${gatewayId}-secret`,
      firmware: gatewayFields.string('firmware'),
      battery: gatewayFields.number('battery', { min: 0, max: 100 }) ?? 100,
      clockOffsetMs: gatewayFields.duration('clock') ?? 0,
    },
    patient: {
      profiles,
      seed: typeof seedValue === 'number' || typeof seedValue === 'string' ? seedValue : 0,
      adherence: patientFields.number('adherence', { min: 0, max: 1 }) ?? 1,
      episodes: patientFields.objects('episodes').map(parseEpisode),
      baseline: parseBaseline(patientFields.object('baseline')),
    },
    devices: root.objects('devices').map(parseDevice),
    steps: [],
    expect: null,
  }
  if (scenario.devices.length === 0 && root.raw('devices') !== undefined) root.issue('devices', 'must list at least one device, or be left out')
  scenario.steps = root.objects('steps', true).map(parseStep)
  if (scenario.steps.length === 0 && root.raw('steps') !== undefined) root.issue('steps', 'must have at least one step')
  checkSteps(scenario.steps, root)
  const expectFields = root.object('expect')
  if (root.raw('expect') !== undefined) scenario.expect = parseExpectations(expectFields, scenario.steps)

  if (issues.length > 0) throw new ScenarioError(source, issues)
  return scenario
}

function parseStart(root: Fields): 'now' | Date {
  const value = root.raw('start')
  if (value === undefined || value === 'now') return 'now'
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : new Date(NaN)
  if (Number.isNaN(date.getTime()) || (typeof value === 'string' && !/[zZ]|[+-]\d{2}:\d{2}$/.test(value))) {
    root.issue('start', 'must be "now" or an ISO 8601 date-time with offset, e.g. 2026-11-22T00:00:00+01:00')
    return 'now'
  }
  return date
}

function parseBaseline(f: Fields): Partial<Baseline> {
  f.allow(Object.keys(BASELINE_KEYS))
  const baseline: Partial<Baseline> = {}
  for (const [key, field] of Object.entries(BASELINE_KEYS)) {
    const value = f.number(key, { min: 0 })
    if (value !== null) baseline[field] = value
  }
  return baseline
}

function parseEpisode(f: Fields): ScenarioEpisode {
  f.allow(['kind', 'start', 'ramp', 'duration', 'severity'])
  const kind = f.enumOf('kind', EPISODE_KINDS, true) ?? 'fever'
  return {
    kind: isEpisodeKind(kind) ? kind : 'fever',
    start: f.offset('start', true) ?? NOW,
    rampMs: f.duration('ramp', { positive: true }),
    durationMs: f.duration('duration', { positive: true }),
    severity: f.number('severity', { min: 0, max: 3 }) ?? 1,
  }
}

function parseDevice(f: Fields): ScenarioDevice {
  f.allow(['kind', 'id', 'encoding', 'battery'])
  return {
    kind: f.enumOf('kind', DEVICE_KINDS, true) ?? 'scale',
    id: f.string('id'),
    encoding: f.enumOf('encoding', ['decoded', 'gatt'] as const) ?? 'decoded',
    battery: f.number('battery', { min: 0, max: 100 }) ?? 90,
  }
}

const NOW: TimeOffset = { text: 'now', days: 0, ms: 0, clock: null }

function parseStep(f: Fields): ScenarioStep {
  const kinds = STEP_KINDS.filter((k) => f.has(k))
  if (kinds.length !== 1) {
    f.issue('', `a step has exactly one of ${STEP_KINDS.join(', ')}${kinds.length > 1 ? ` (found ${kinds.join(', ')})` : ''}`)
    return { kind: 'online', name: f.string('name') ?? '' }
  }
  const kind = kinds[0] as (typeof STEP_KINDS)[number]
  f.allow(['name', kind])
  const name = f.string('name') ?? ''
  const body = (): Fields => f.object(kind)
  switch (kind) {
    case 'measure': {
      const b = body()
      b.allow(['from', 'to', 'devices', 'adherence', 'skip', 'batching'])
      return {
        kind, name,
        from: b.offset('from', true) ?? NOW,
        to: b.offset('to') ?? NOW,
        devices: b.raw('devices') === undefined ? null : b.list('devices').map((d, i) => deviceKindAt(b, `devices[${i}]`, d)),
        adherence: b.number('adherence', { min: 0, max: 1 }),
        skip: b.objects('skip').map((s) => {
          s.allow(['from', 'to'])
          return { from: s.offset('from', true) ?? NOW, to: s.offset('to', true) ?? NOW }
        }),
        batching: b.enumOf('batching', ['session', 'day', 'all'] as const) ?? 'session',
      }
    }
    case 'send': {
      const b = body()
      b.allow(['measurements', 'batchId'])
      return { kind, name, batchId: b.string('batchId'), measurements: b.objects('measurements', true).map(parseExplicitMeasurement) }
    }
    case 'payload': {
      const payload = f.raw('payload')
      if (typeof payload !== 'string') f.issue('payload', 'must be a string, sent as it is')
      return { kind, name, payload: typeof payload === 'string' ? payload : '' }
    }
    case 'offline':
    case 'online':
      if (f.raw(kind) !== null && f.raw(kind) !== true && typeof f.raw(kind) !== 'object') f.issue(kind, 'takes no value (write `- offline: {}`)')
      return { kind, name }
    case 'resend': {
      const step = f.raw('resend')
      const target = typeof step === 'string' ? step : body().string('step', true)
      return { kind, name, step: target ?? '' }
    }
    case 'battery': {
      const b = body()
      b.allow(['device', 'level', 'gateway'])
      const device = b.raw('device') === undefined ? null : deviceKindAt(b, 'device', b.raw('device'))
      const level = b.number('level', { min: 0, max: 100 })
      const gateway = b.number('gateway', { min: 0, max: 100 })
      if (level === null && gateway === null) b.issue('', 'give `level` (devices) and/or `gateway`')
      return { kind, name, device, level, gateway }
    }
    case 'clock': {
      const b = body()
      b.allow(['offset'])
      return { kind, name, offsetMs: b.duration('offset', { required: true }) ?? 0 }
    }
    case 'wait': {
      const b = body()
      b.allow(['command', 'timeout'])
      return { kind, name, command: b.string('command', true) ?? '', timeoutMs: b.duration('timeout', { positive: true }) ?? 30_000 }
    }
    case 'rule': {
      const b = body()
      b.allow(['id', 'kind', 'params', 'isEnabled', 'reason'])
      const params = b.has('params') ? parseRuleParams(b.object('params')) : null
      const isEnabled = b.raw('isEnabled')
      if (isEnabled !== undefined && typeof isEnabled !== 'boolean') b.issue('isEnabled', 'must be true or false')
      if (params === null && isEnabled === undefined && !b.has('kind')) b.issue('', 'give `params`, `isEnabled` or `kind`')
      return {
        kind, name,
        ruleId: b.string('id', true) ?? '',
        ruleKind: b.string('kind'),
        params,
        isEnabled: typeof isEnabled === 'boolean' ? isEnabled : null,
        reason: b.string('reason'),
      }
    }
    case 'live': {
      const b = body()
      b.allow(['for', 'every', 'devices'])
      return {
        kind, name,
        durationMs: b.duration('for', { required: true, positive: true }) ?? 0,
        everyMs: b.duration('every', { positive: true }) ?? 5_000,
        devices: b.raw('devices') === undefined ? null : b.list('devices').map((d, i) => deviceKindAt(b, `devices[${i}]`, d)),
      }
    }
  }
}

/** Rule parameters as written, except `{ in: <duration> }`, a wall-clock time relative to the step (rule-clock-time.ts). */
function parseRuleParams(f: Fields): Record<string, unknown> {
  const params: Record<string, unknown> = {}
  for (const key of f.keys()) {
    const value = f.raw(key)
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'in' in value) {
      const at = f.object(key)
      at.allow(['in'])
      const inMs = at.duration('in', { required: true }) ?? 0
      if (inMs < 0) at.issue('in', 'must not be negative: a time from when the step runs on')
      params[key] = new RuleClockTime(Math.max(0, inMs))
    } else {
      params[key] = value
    }
  }
  return params
}

function parseExplicitMeasurement(f: Fields): ExplicitMeasurement {
  if (f.has('raw')) {
    f.allow(['raw', 'at'])
    return { form: 'raw', raw: f.raw('raw'), at: f.offset('at') }
  }
  const device = deviceKindAt(f, 'device', f.raw('device'))
  const id = f.string('id')
  if (f.has('values')) {
    f.allow(['id', 'device', 'at', 'values', 'encoding'])
    const valuesFields = f.object('values', true)
    const values: Partial<Record<VitalType, number>> = {}
    for (const key of valuesFields.keys()) {
      if (!isVitalType(key)) valuesFields.issue(key, `unknown vital type (for a wrong type on purpose, write type/value/unit instead)`)
      else values[key] = valuesFields.number(key, { required: true }) ?? 0
    }
    const encoding: DeviceEncoding | null = f.enumOf('encoding', ['decoded', 'gatt'] as const)
    return { form: 'values', id, device, at: f.offset('at', true) ?? NOW, values, encoding }
  }
  if (f.has('gatt')) {
    f.allow(['id', 'device', 'at', 'gatt'])
    const g = f.object('gatt', true)
    g.allow(['characteristic', 'data'])
    return { form: 'gatt', id, device, at: f.offset('at'), gatt: { characteristic: g.string('characteristic', true) ?? '', data: g.string('data', true) ?? '' } }
  }
  f.allow(['id', 'device', 'at', 'type', 'value', 'unit'])
  if (!f.has('type')) f.issue('', 'a measurement has `values`, `type`/`value`/`unit`, `gatt`, or `raw`')
  return {
    form: 'decoded', id, device, at: f.offset('at'),
    type: f.string('type') ?? '',
    value: f.raw('value'),
    unit: f.string('unit', true) ?? '',
  }
}

function deviceKindAt(f: Fields, path: string, value: unknown): DeviceKind {
  if (isDeviceKind(value)) return value
  if (value === undefined) f.issue(path, `required (one of ${DEVICE_KINDS.join(', ')})`)
  else f.issue(path, `unknown device ${JSON.stringify(value)} (known: ${DEVICE_KINDS.join(', ')})`)
  return 'scale'
}

/** Rules across steps: unique names, resend targets that exist, a run that does not end offline. */
function checkSteps(steps: ScenarioStep[], root: Fields): void {
  const seen = new Set<string>()
  let isOffline = false
  steps.forEach((step, i) => {
    if (step.name !== '') {
      if (seen.has(step.name)) root.issue(`steps[${i}].name`, `"${step.name}" is used by an earlier step`)
      seen.add(step.name)
    }
    if (step.kind === 'resend' && !seen.has(step.step)) root.issue(`steps[${i}].resend`, `no earlier step named "${step.step}"`)
    if (step.kind === 'offline') isOffline = true
    if (step.kind === 'online') isOffline = false
    if (isOffline && (step.kind === 'payload' || step.kind === 'live' || step.kind === 'wait')) {
      root.issue(`steps[${i}]`, `a ${step.kind} step needs the gateway online (it is offline since an earlier step)`)
    }
  })
  if (isOffline) root.issue('steps', 'the gateway is still offline at the end: add `- online: {}` so kept batches get sent')
}

function parseExpectations(f: Fields, steps: ScenarioStep[]): Expectations {
  f.allow(['receipts', 'observations', 'alerts', 'commands', 'settle'])
  let receipts: Expectations['receipts'] = null
  if (f.has('receipts')) {
    const r = f.object('receipts')
    r.allow(['total', 'steps'])
    const stepNames = new Set(steps.map((s) => s.name).filter((n) => n !== ''))
    const stepsFields = r.object('steps')
    const byStep: Record<string, ReceiptCounts> = {}
    for (const key of stepsFields.keys()) {
      if (!stepNames.has(key)) stepsFields.issue(key, `no step named "${key}"`)
      byStep[key] = parseReceiptCounts(stepsFields.object(key))
    }
    receipts = { total: r.has('total') ? parseReceiptCounts(r.object('total')) : null, steps: byStep }
  }
  return {
    receipts,
    observations: f.has('observations') ? f.objects('observations').map(parseObservationExpectation) : null,
    alerts: f.has('alerts') ? f.objects('alerts').map(parseAlertExpectation) : null,
    commands: f.has('commands') ? f.list('commands').map((c, i) => {
      if (typeof c !== 'string') f.issue(`commands[${i}]`, 'must be a command name such as sync-clock')
      return String(c)
    }) : null,
    settleMs: f.duration('settle', { positive: true }) ?? 15_000,
  }
}

function parseReceiptCounts(f: Fields): ReceiptCounts {
  f.allow(['batches', 'accepted', 'duplicate', 'rejected', 'malformed', 'error'])
  const countOrAll = (key: string): number | 'all' | null => (f.raw(key) === 'all' ? 'all' : f.count(key))
  let rejected: ReceiptCounts['rejected'] = null
  const rawRejected = f.raw('rejected')
  if (typeof rawRejected === 'number' || rawRejected === undefined) {
    rejected = f.count('rejected')
  } else {
    const codes = f.object('rejected')
    const byCode: Partial<Record<ProtocolErrorCode, number>> = {}
    for (const key of codes.keys()) {
      if (!(PROTOCOL_ERROR_CODES as readonly string[]).includes(key)) codes.issue(key, `not a protocol error code (${PROTOCOL_ERROR_CODES.join(', ')})`)
      else byCode[key as ProtocolErrorCode] = codes.count(key) ?? 0
    }
    rejected = byCode
  }
  return {
    batches: f.count('batches'),
    accepted: countOrAll('accepted'),
    duplicate: countOrAll('duplicate'),
    rejected,
    malformed: f.count('malformed'),
    error: f.enumOf('error', PROTOCOL_ERROR_CODES),
  }
}

function parseObservationExpectation(f: Fields): ObservationExpectation {
  f.allow(['type', 'from', 'to', 'count', 'values', 'latest', 'rise'])
  const type = f.string('type', true) ?? ''
  if (type !== '' && !isVitalType(type)) f.issue('type', `unknown vital type "${type}"`)
  return {
    type: (isVitalType(type) ? type : 'body-weight') as VitalType,
    from: f.offset('from'),
    to: f.offset('to'),
    count: typeof f.raw('count') === 'object' ? parseRange(f.object('count')) : f.count('count'),
    values: f.has('values') ? parseRange(f.object('values')) : null,
    latest: f.has('latest') ? parseRange(f.object('latest')) : null,
    rise: f.has('rise') ? parseRange(f.object('rise')) : null,
  }
}

function parseRange(f: Fields): Range {
  f.allow(['min', 'max'])
  const range = { min: f.number('min'), max: f.number('max') }
  if (range.min === null && range.max === null) f.issue('', 'give min and/or max')
  return range
}

function parseAlertExpectation(f: Fields): AlertExpectation {
  f.allow(['rule', 'severity', 'summary'])
  return { rule: f.string('rule'), severity: f.enumOf('severity', ['red', 'yellow'] as const), summary: f.string('summary') }
}

/** Reads the fields of one mapping, recording every problem with its path instead of stopping at the first. */
class Fields {
  private readonly value: Record<string, unknown>

  constructor(
    value: unknown,
    private readonly path: string,
    private readonly issues: ScenarioIssue[],
  ) {
    if (value !== undefined && value !== null && (typeof value !== 'object' || Array.isArray(value) || value instanceof Date)) {
      issues.push({ path, message: 'must be a mapping (key: value)' })
      this.value = {}
    } else {
      this.value = (value ?? {}) as Record<string, unknown>
    }
  }

  issue(key: string, message: string): void {
    this.issues.push({ path: this.join(key), message })
  }

  has(key: string): boolean {
    return this.value[key] !== undefined
  }

  keys(): string[] {
    return Object.keys(this.value)
  }

  raw(key: string): unknown {
    return this.value[key]
  }

  allow(keys: readonly string[]): void {
    for (const key of Object.keys(this.value)) {
      if (!keys.includes(key)) this.issue(key, `unknown key (known here: ${keys.join(', ')})`)
    }
  }

  string(key: string, required = false): string | null {
    const v = this.value[key]
    if (v === undefined || v === null) {
      if (required) this.issue(key, 'required')
      return null
    }
    if (typeof v === 'number') return String(v)
    if (typeof v !== 'string') {
      this.issue(key, 'must be a string')
      return null
    }
    return v
  }

  number(key: string, options: { min?: number; max?: number; required?: boolean } = {}): number | null {
    const v = this.value[key]
    if (v === undefined || v === null) {
      if (options.required) this.issue(key, 'required')
      return null
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.issue(key, 'must be a number')
      return null
    }
    if ((options.min !== undefined && v < options.min) || (options.max !== undefined && v > options.max)) {
      this.issue(key, `must be between ${options.min ?? '-∞'} and ${options.max ?? '∞'}`)
      return null
    }
    return v
  }

  /** A whole number ≥ 0. */
  count(key: string): number | null {
    const v = this.number(key, { min: 0 })
    if (v !== null && !Number.isInteger(v)) {
      this.issue(key, 'must be a whole number')
      return null
    }
    return v
  }

  enumOf<T extends string>(key: string, values: readonly T[], required = false): T | null {
    const v = this.string(key, required)
    if (v === null) return null
    if (!(values as readonly string[]).includes(v)) {
      this.issue(key, `must be one of ${values.join(', ')}`)
      return null
    }
    return v as T
  }

  offset(key: string, required = false): TimeOffset | null {
    const v = this.value[key]
    if (v === undefined || v === null) {
      if (required) this.issue(key, 'required')
      return null
    }
    const offset = typeof v === 'string' || typeof v === 'number' ? parseTimeOffset(v) : null
    if (!offset) this.issue(key, `not a time: ${JSON.stringify(v)} (write e.g. now, -2h, -3d+07:30, 0d+00:00)`)
    return offset
  }

  duration(key: string, options: { required?: boolean; positive?: boolean } = {}): number | null {
    const v = this.value[key]
    if (v === undefined || v === null) {
      if (options.required) this.issue(key, 'required')
      return null
    }
    const ms = typeof v === 'string' || typeof v === 'number' ? parseDuration(v) : null
    if (ms === null) {
      this.issue(key, `not a duration: ${JSON.stringify(v)} (write e.g. 90s, 5m, -3h, 2d)`)
      return null
    }
    if (options.positive && ms <= 0) {
      this.issue(key, 'must be longer than zero')
      return null
    }
    return ms
  }

  object(key: string, required = false): Fields {
    const v = this.value[key]
    if ((v === undefined || v === null) && required) this.issue(key, 'required')
    return new Fields(v, this.join(key), this.issues)
  }

  list(key: string, required = false): unknown[] {
    const v = this.value[key]
    if (v === undefined || v === null) {
      if (required) this.issue(key, 'required')
      return []
    }
    if (!Array.isArray(v)) {
      this.issue(key, 'must be a list')
      return []
    }
    return v
  }

  objects(key: string, required = false): Fields[] {
    return this.list(key, required).map((item, i) => new Fields(item, this.join(`${key}[${i}]`), this.issues))
  }

  private join(key: string): string {
    if (key === '') return this.path
    if (this.path === '') return key
    return key.startsWith('[') ? `${this.path}${key}` : `${this.path}.${key}`
  }
}
