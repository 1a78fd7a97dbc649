import type { VitalType } from '../vital-types.js'
import { breachedSide, classifyValue, type BandSide } from './band.js'
import type { RuleKind } from './rule-names.js'
import { thresholdParamsSchema } from './rule-set.js'
import { isMoreSevere, maxSeverity, type Severity } from './severity.js'

/**
 * Episodes (issue 20): the unresolved alerts of one patient that belong
 * together, shown and handled as one problem. An alert already gathers every
 * finding of one rule key while it is unresolved (alert-ledger.ts); an episode
 * gathers the keys about one thing: the same vital (threshold:spo2 and
 * baseline:spo2 are one falling saturation), or the same rule where a rule
 * is about no one vital (NEWS2, a gateway). Technical alerts (gateway offline,
 * low battery, a missed measurement: nothing measured to judge) are episodes
 * of their own kind, kept apart from clinical ones in the inbox.
 *
 * An alert joins an episode of its topic when it started within the topic's
 * window of the episode's latest finding (EPISODE_WINDOW_HOURS); later than
 * that it is a new problem. Grouping is computed from the alerts, not stored
 * (ADR 0027): the alerts stay the record, the contract's GET /api/alerts is
 * unchanged, and an episode's id is its earliest alert's id, so it is stable
 * while that alert is unresolved.
 *
 * Pure: alerts in, episodes out; no clock.
 */

export type EpisodeKind = 'clinical' | 'technical'

/** What an episode needs of an alert: a subset of the stored alert row. */
export interface EpisodeAlertInput {
  id: string
  patientId: string
  ruleId: string
  ruleKind: RuleKind
  severity: Severity
  status: 'open' | 'acknowledged' | 'resolved'
  count: number
  isConditionActive: boolean
  firstTriggeredAt: Date
  lastTriggeredAt: Date
  /** The vital the alert's readings are of (null for rules about time or devices). */
  vital: VitalType | null
  /** The opening finding's reading of `vital` and that finding's colour; the same of the latest. */
  first: EpisodeValue | null
  last: EpisodeValue | null
  /** The most extreme reading between the two, where the caller looked it up (not kept in the alert). */
  extreme?: EpisodeValue | null
}

export interface EpisodeValue {
  value: number
  at: Date
  severity: Severity
  /** The vital of `value` (blood pressure: the component that breached). */
  vital?: VitalType
  /** Which way the value broke its limit (low SpO2, high temperature); null when no side is known. */
  side?: BandSide | null
}

/** What episodeValueOf needs of a stored finding (alert.ts AlertFinding, or its JSON read back). */
export interface FindingLike {
  ruleKind?: string
  severity: Severity
  triggeredAt: Date
  readings: readonly { type: VitalType; value: number; unit: string }[]
  /** The rule's parameters as stored: a threshold rule's bands tell the side of each value. */
  thresholds?: unknown
  measures?: Readonly<Record<string, unknown>>
}

/**
 * The value a finding is about, with its side: of a threshold finding the
 * reading that breached (blood pressure: the systolic or the diastolic that
 * did, not simply the first), below or above the band; of a baseline
 * deviation, below or above the patient's own median; a weight gain, above.
 */
export function episodeValueOf(f: FindingLike): (EpisodeValue & { unit: string }) | null {
  const value = (r: FindingLike['readings'][number], side: BandSide | null) =>
    ({ value: r.value, unit: r.unit, at: f.triggeredAt, severity: f.severity, vital: r.type, side })
  const first = f.readings[0]
  if (!first) return null
  if (f.ruleKind === 'threshold') {
    const params = thresholdParamsSchema.safeParse(f.thresholds)
    let found: { r: FindingLike['readings'][number]; severity: Severity; side: BandSide | null } | null = null
    for (const bands of params.success ? params.data.vitals : []) {
      const r = f.readings.find((x) => x.type === bands.vital)
      const severity = r ? classifyValue(bands, r.value) : null
      if (!r || !severity || (found && !isMoreSevere(severity, found.severity))) continue
      found = { r, severity, side: breachedSide(severity === 'red' ? bands.red : bands.yellow, r.value) }
    }
    return found ? value(found.r, found.side) : value(first, null)
  }
  if (f.ruleKind === 'baseline-deviation') {
    const median = f.measures?.baselineMedian
    const side = typeof median !== 'number' || median === first.value ? null : first.value < median ? 'low' : 'high'
    return value(first, side)
  }
  if (f.ruleKind === 'weight-gain') return value(first, 'high')
  return value(first, null)
}

export interface Episode {
  /** The earliest member alert's id. */
  id: string
  patientId: string
  kind: EpisodeKind
  /** `vital:spo2`, `rule:news2`, `rule:device:low-battery` … */
  topic: string
  vital: VitalType | null
  severity: Severity
  /** `acknowledged` when no member is open; `resolved` when every member is (only with `resolved: true`). */
  status: 'open' | 'acknowledged' | 'resolved'
  /** Any member's condition still active (false: the values came back). */
  isConditionActive: boolean
  firstTriggeredAt: Date
  lastTriggeredAt: Date
  first: EpisodeValue | null
  /**
   * The most extreme value seen in the direction it broke its limit (the
   * lowest SpO2, the highest temperature, of blood pressure the component
   * that breached); where values are not comparable (no side known, another
   * side or component) the most severe, the latest of those. The alerts keep
   * their opening and latest findings; the server adds the extreme stored
   * reading between them (`extreme` of the input).
   */
  worst: EpisodeValue | null
  latest: EpisodeValue | null
  /**
   * Readings out of range: the largest member count. Two rules about one
   * vital (threshold, baseline) judge the same readings, so counts are not
   * summed.
   */
  readingCount: number
  /** Member alert ids, earliest first. */
  alertIds: string[]
  ruleIds: string[]
}

const TECHNICAL_KINDS: ReadonlySet<RuleKind> = new Set(['gateway-offline', 'low-battery', 'missed-measurement'])

/**
 * How long after an episode's latest finding a new alert of the same topic
 * still belongs to it, by rule kind: a trend's own window, half a day for a
 * value, a day for a device. The longest window among the members applies.
 */
export const EPISODE_WINDOW_HOURS: Readonly<Record<RuleKind, number>> = {
  threshold: 12,
  'baseline-deviation': 14 * 24,
  'weight-gain': 3 * 24,
  news2: 12,
  'missed-measurement': 24,
  'gateway-offline': 24,
  'low-battery': 24,
}

export function episodeKind(ruleKind: RuleKind): EpisodeKind {
  return TECHNICAL_KINDS.has(ruleKind) ? 'technical' : 'clinical'
}

/** Systolic and diastolic are one blood pressure. */
function topicVital(vital: VitalType | null): VitalType | null {
  return vital === 'bp-diastolic' ? 'bp-systolic' : vital
}

function topicOf(a: EpisodeAlertInput): string {
  const kind = episodeKind(a.ruleKind)
  const vital = topicVital(a.vital)
  // a missed measurement of SpO2 is not the same problem as a low SpO2
  if (kind === 'clinical' && vital && a.ruleKind !== 'news2') return `vital:${vital}`
  return `rule:${a.ruleId}`
}

/**
 * The episodes of the given alerts, most severe and latest first. Resolved
 * alerts are left out, unless `resolved` (to show what an action on a whole
 * episode just did).
 */
export function groupEpisodes(alerts: readonly EpisodeAlertInput[], options: { resolved?: boolean } = {}): Episode[] {
  const unresolved = alerts
    .filter((a) => options.resolved === true || a.status !== 'resolved')
    .sort((a, b) => a.firstTriggeredAt.getTime() - b.firstTriggeredAt.getTime() || a.id.localeCompare(b.id))
  const open = new Map<string, { episode: Episode; windowMs: number }>()
  const episodes: Episode[] = []
  for (const alert of unresolved) {
    const topic = topicOf(alert)
    const slot = `${alert.patientId}|${topic}`
    const windowMs = EPISODE_WINDOW_HOURS[alert.ruleKind] * 3_600_000
    const current = open.get(slot)
    const within =
      current &&
      alert.firstTriggeredAt.getTime() - current.episode.lastTriggeredAt.getTime() <= Math.max(windowMs, current.windowMs)
    if (current && within) {
      join(current.episode, alert)
      current.windowMs = Math.max(current.windowMs, windowMs)
    } else {
      const episode = start(alert, topic)
      episodes.push(episode)
      open.set(slot, { episode, windowMs })
    }
  }
  return episodes.sort(
    (a, b) =>
      Number(isMoreSevere(b.severity, a.severity)) - Number(isMoreSevere(a.severity, b.severity)) ||
      b.lastTriggeredAt.getTime() - a.lastTriggeredAt.getTime(),
  )
}

function start(a: EpisodeAlertInput, topic: string): Episode {
  const e: Episode = {
    id: a.id,
    patientId: a.patientId,
    kind: episodeKind(a.ruleKind),
    topic,
    vital: topicVital(a.vital),
    severity: a.severity,
    status: a.status,
    isConditionActive: a.isConditionActive,
    firstTriggeredAt: a.firstTriggeredAt,
    lastTriggeredAt: a.lastTriggeredAt,
    first: a.first,
    worst: null,
    latest: a.last ?? a.first,
    readingCount: a.count,
    alertIds: [a.id],
    ruleIds: [a.ruleId],
  }
  considerWorst(e, a)
  return e
}

function join(e: Episode, a: EpisodeAlertInput): void {
  e.alertIds.push(a.id)
  if (!e.ruleIds.includes(a.ruleId)) e.ruleIds.push(a.ruleId)
  e.severity = maxSeverity(e.severity, a.severity)
  if (a.status === 'open' || e.status === 'open') e.status = 'open'
  else if (a.status === 'acknowledged') e.status = 'acknowledged'
  e.isConditionActive ||= a.isConditionActive
  e.readingCount = Math.max(e.readingCount, a.count)
  e.first ??= a.first
  if (a.lastTriggeredAt >= e.lastTriggeredAt) {
    e.lastTriggeredAt = a.lastTriggeredAt
    e.latest = a.last ?? e.latest
  }
  considerWorst(e, a)
}

/** The colour of `value` of `vital` by a threshold finding's stored bands; null when green or not known. */
export function severityByThresholds(thresholds: unknown, vital: VitalType, value: number): Severity | null {
  const params = thresholdParamsSchema.safeParse(thresholds)
  const bands = params.success ? params.data.vitals.find((b) => b.vital === vital) : undefined
  return bands ? classifyValue(bands, value) : null
}

/**
 * True when `v` is worse than `w`: further beyond the limit on the same side
 * of the same vital; otherwise more severe; of equally severe ones, the later.
 */
export function isWorseValue(v: EpisodeValue, w: EpisodeValue): boolean {
  if (v.side && v.side === w.side && v.vital === w.vital && v.value !== w.value) return v.side === 'low' ? v.value < w.value : v.value > w.value
  if (v.severity !== w.severity) return isMoreSevere(v.severity, w.severity)
  return v.at >= w.at
}

function considerWorst(e: Episode, a: EpisodeAlertInput): void {
  for (const v of [a.first, a.extreme, a.last]) {
    if (v && (!e.worst || isWorseValue(v, e.worst))) e.worst = v
  }
}

/** What a change of a patient's alerts means for the nurse, per episode. */
export type EpisodeNotice =
  | { kind: 'new'; episode: Episode }
  /** yellow → red: raised again, once. */
  | { kind: 'worsened'; episode: Episode }

/**
 * The notices between two groupings of the same patient's alerts (before and
 * after the rules applied their actions). An episode is known again by any
 * member alert it shares with one before. Only a new episode or a rise in
 * colour is a notice: a value merely still out of range, another rule about
 * the same vital, or a higher count is not (issue 20: no re-raise for that).
 */
export function episodeNotices(before: readonly Episode[], after: readonly Episode[]): EpisodeNotice[] {
  const byAlert = new Map<string, Episode>()
  for (const e of before) for (const id of e.alertIds) byAlert.set(id, e)
  const notices: EpisodeNotice[] = []
  for (const e of after) {
    const prior = e.alertIds.map((id) => byAlert.get(id)).find((p) => p !== undefined)
    if (!prior) notices.push({ kind: 'new', episode: e })
    else if (isMoreSevere(e.severity, prior.severity)) notices.push({ kind: 'worsened', episode: e })
  }
  return notices
}
