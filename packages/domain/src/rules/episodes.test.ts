import { describe, expect, it } from 'vitest'
import type { Reading } from '../protocol/types.js'
import { VITAL_TYPES, type VitalType } from '../vital-types.js'
import type { AlertAction, AlertFinding } from './alert.js'
import { episodeNotices, episodeValueOf, groupEpisodes, isWorseValue, type EpisodeAlertInput, type EpisodeValue } from './episodes.js'
import { evaluateReadings } from './evaluate-readings.js'
import { resolvePatientRules } from './resolve-patient-rules.js'
import type { ConditionId } from './rule-set.js'

/*
 * Episodes as the nurse meets them (issue 20): readings go through the real
 * rules engine (evaluateReadings), the actions are stored as the rules worker
 * stores them, and after each measurement the alerts are grouped into
 * episodes. Each row: the readings, exactly the episodes at the end, and the
 * notices (new / worsened) the nurse got along the way: a re-raise only when
 * an episode turns from yellow to red.
 */

type Values = Partial<Record<VitalType, number>>

interface Row {
  title: string
  conditions: ConditionId[]
  /** [wall clock with offset, values]; each a measurement of its own. */
  readings: [string, Values][]
  episodes: { topic: string; severity: 'red' | 'yellow'; alerts: number; first?: number; worst?: number; latest?: number; readings?: number }[]
  notices: string[]
}

/** Every 30 minutes from `start`, one value each. */
function evening(start: string, vital: VitalType, values: number[]): [string, Values][] {
  const t0 = new Date(start).getTime()
  return values.map((v, i) => [new Date(t0 + i * 30 * 60_000).toISOString(), { [vital]: v }])
}

const rows: Row[] = [
  {
    title: 'a slow SpO2 fall over an evening: one episode, raised when yellow, raised again once when it turns red',
    conditions: ['general'],
    readings: evening('2026-03-02T17:00+01:00', 'spo2', [97, 96, 95, 94, 93, 93, 92, 92, 91, 90, 90, 89, 89, 90]),
    // the worst is the lowest value seen (89), not the latest red one (90): a true extreme
    episodes: [{ topic: 'vital:spo2', severity: 'red', alerts: 1, first: 93, worst: 89, latest: 90, readings: 10 }],
    notices: ['new vital:spo2 yellow', 'worsened vital:spo2 red'],
  },
  {
    title: 'a fever: the worst is the highest temperature, not the latest of equally yellow ones',
    conditions: ['general'],
    readings: evening('2026-03-02T17:00+01:00', 'body-temperature', [39.2, 39.8, 40.1, 39.5]),
    episodes: [{ topic: 'vital:body-temperature', severity: 'yellow', alerts: 1, first: 39.2, worst: 40.1, latest: 39.5, readings: 4 }],
    notices: ['new vital:body-temperature yellow'],
  },
  {
    title: 'blood pressure: the worst is of the component that breached (the diastolic), at its highest',
    conditions: ['general'],
    readings: [
      ['2026-03-02T08:00+01:00', { 'bp-systolic': 150, 'bp-diastolic': 112 }],
      ['2026-03-02T12:00+01:00', { 'bp-systolic': 160, 'bp-diastolic': 118 }],
      ['2026-03-02T16:00+01:00', { 'bp-systolic': 150, 'bp-diastolic': 111 }],
    ],
    episodes: [{ topic: 'vital:bp-systolic', severity: 'yellow', alerts: 1, first: 112, worst: 118, latest: 111, readings: 3 }],
    notices: ['new vital:bp-systolic yellow'],
  },
  {
    title: 'a value merely still out of range is not raised again',
    conditions: ['general'],
    readings: evening('2026-03-02T17:00+01:00', 'spo2', [93, 93, 92, 93, 92, 92]),
    episodes: [{ topic: 'vital:spo2', severity: 'yellow', alerts: 1, first: 93, latest: 92, readings: 6 }],
    notices: ['new vital:spo2 yellow'],
  },
  {
    title: 'separate vitals are separate episodes',
    conditions: ['general'],
    readings: [
      ...evening('2026-03-02T17:00+01:00', 'spo2', [93, 92]),
      ...evening('2026-03-02T17:10+01:00', 'pulse', [115, 118]),
    ],
    episodes: [
      { topic: 'vital:pulse', severity: 'yellow', alerts: 1, readings: 2 },
      { topic: 'vital:spo2', severity: 'yellow', alerts: 1, readings: 2 },
    ],
    notices: ['new vital:spo2 yellow', 'new vital:pulse yellow'],
  },
  {
    title: 'COPD: the fall from the own baseline and the threshold on SpO2 are one episode; a second rule on it is no re-raise',
    conditions: ['copd'],
    readings: [
      ...Array.from({ length: 14 }, (_, d): [string, Values] => [
        new Date(Date.parse('2026-01-01T09:00+01:00') + d * 86_400_000).toISOString(),
        { spo2: 92 },
      ]),
      ['2026-01-15T09:00+01:00', { spo2: 88 }],
      ['2026-01-15T21:00+01:00', { spo2: 85 }],
      ['2026-01-16T08:30+01:00', { spo2: 82 }],
    ],
    episodes: [{ topic: 'vital:spo2', severity: 'red', alerts: 2, first: 88, worst: 82, latest: 82, readings: 3 }],
    notices: ['new vital:spo2 yellow', 'worsened vital:spo2 red'],
  },
]

describe('episodes from the rules engine', () => {
  it.each(rows)('$title', (row) => {
    const { episodes, notices } = run(row)
    expect(
      episodes.map((e) => ({
        topic: e.topic,
        severity: e.severity,
        alerts: e.alertIds.length,
        ...(row.episodes.find((x) => x.topic === e.topic)?.first === undefined ? {} : { first: e.first?.value }),
        ...(row.episodes.find((x) => x.topic === e.topic)?.worst === undefined ? {} : { worst: e.worst?.value }),
        ...(row.episodes.find((x) => x.topic === e.topic)?.latest === undefined ? {} : { latest: e.latest?.value }),
        ...(row.episodes.find((x) => x.topic === e.topic)?.readings === undefined ? {} : { readings: e.readingCount }),
      })),
    ).toEqual(row.episodes)
    expect(notices).toEqual(row.notices)
  })
})

describe('grouping', () => {
  const base: EpisodeAlertInput = {
    id: 'a1',
    patientId: 'p1',
    ruleId: 'threshold:spo2',
    ruleKind: 'threshold',
    severity: 'yellow',
    status: 'open',
    count: 1,
    isConditionActive: true,
    firstTriggeredAt: new Date('2026-03-02T17:00Z'),
    lastTriggeredAt: new Date('2026-03-02T18:00Z'),
    vital: 'spo2',
    first: null,
    last: null,
  }

  it('keeps technical alerts apart from clinical ones, each device rule its own episode', () => {
    const episodes = groupEpisodes([
      base,
      { ...base, id: 'a2', ruleId: 'device:low-battery', ruleKind: 'low-battery', vital: null },
      { ...base, id: 'a3', ruleId: 'device:gateway-offline', ruleKind: 'gateway-offline', vital: null },
      { ...base, id: 'a4', ruleId: 'missed:spo2-morning', ruleKind: 'missed-measurement' },
    ])
    expect(episodes.map((e) => [e.kind, e.topic])).toEqual([
      ['clinical', 'vital:spo2'],
      ['technical', 'rule:device:low-battery'],
      ['technical', 'rule:device:gateway-offline'],
      ['technical', 'rule:missed:spo2-morning'],
    ])
  })

  it('an alert that starts past the window of the episode is a new episode; resolved alerts are no episode', () => {
    const late = new Date(base.lastTriggeredAt.getTime() + 13 * 3_600_000)
    const episodes = groupEpisodes([
      base,
      { ...base, id: 'a2', ruleId: 'baseline:spo2', ruleKind: 'baseline-deviation', firstTriggeredAt: late, lastTriggeredAt: late },
      { ...base, id: 'a0', status: 'resolved' },
    ])
    // baseline's own window is 14 days: the later alert joins
    expect(episodes.map((e) => e.alertIds)).toEqual([['a1', 'a2']])
    const apart = groupEpisodes([base, { ...base, id: 'a2', firstTriggeredAt: late, lastTriggeredAt: late }])
    expect(apart.map((e) => e.alertIds)).toEqual([['a2'], ['a1']])
  })

  it('is acknowledged only when every member is', () => {
    const [one] = groupEpisodes([
      { ...base, status: 'acknowledged' },
      { ...base, id: 'a2', ruleId: 'baseline:spo2', ruleKind: 'baseline-deviation' },
    ])
    expect(one?.status).toBe('open')
    const [both] = groupEpisodes([
      { ...base, status: 'acknowledged' },
      { ...base, id: 'a2', ruleId: 'baseline:spo2', ruleKind: 'baseline-deviation', status: 'acknowledged' },
    ])
    expect(both?.status).toBe('acknowledged')
  })
})

/** The rules worker in miniature: the stored alert rows, as rule-store.ts keeps them. */
function run(row: Row) {
  const ruleSet = resolvePatientRules(row.conditions, [])
  const stored: Reading[] = []
  const alerts = new Map<string, EpisodeAlertInput & { alertKey: string }>()
  const notices: string[] = []
  let nextId = 0
  for (const [at, values] of row.readings) {
    const readings = (Object.keys(values) as VitalType[]).map(
      (type): Reading => ({
        measurementId: `m-${at}`,
        deviceId: 'D-1',
        type,
        value: values[type] as number,
        unit: VITAL_TYPES[type].unit,
        originalValue: null,
        originalUnit: null,
        measuredAt: new Date(at),
        flags: [],
        battery: null,
        source: 'decoded',
      }),
    )
    const before = groupEpisodes([...alerts.values()])
    const actions = evaluateReadings({
      ruleSet,
      readings,
      history: [...stored],
      openAlerts: [...alerts.values()].map((a) => ({ ...a })),
      now: new Date(new Date(at).getTime() + 20_000),
    })
    stored.push(...readings)
    for (const action of actions) store(action)
    for (const n of episodeNotices(before, groupEpisodes([...alerts.values()]))) {
      notices.push(`${n.kind} ${n.episode.topic} ${n.episode.severity}`)
    }
  }
  return { episodes: groupEpisodes([...alerts.values()].map(withExtreme)), notices }

  /**
   * What the server adds (access alerts.listWithExtremes, db
   * reading-extremes.ts): the most extreme stored reading of the vital that
   * breached, on its side, between the alert's first and latest findings.
   */
  function withExtreme(a: EpisodeAlertInput): EpisodeAlertInput {
    const first = a.first
    if (a.count <= 2 || !first?.side || !first.vital) return a
    let extreme: EpisodeValue | null = null
    for (const r of stored) {
      if (r.type !== first.vital || r.measuredAt < a.firstTriggeredAt || r.measuredAt > a.lastTriggeredAt) continue
      const v: EpisodeValue = { value: r.value, at: r.measuredAt, severity: first.severity, vital: first.vital, side: first.side }
      if (!extreme || (v.value !== extreme.value && isWorseValue(v, extreme))) extreme = v
    }
    return { ...a, extreme }
  }

  function store(action: AlertAction): void {
    if (action.kind === 'open') {
      const a = action.alert
      alerts.set(a.alertKey, {
        id: `alert-${String(++nextId).padStart(3, '0')}`,
        alertKey: a.alertKey,
        patientId: 'p1',
        ruleId: a.ruleId,
        ruleKind: a.ruleKind,
        severity: a.severity,
        status: 'open',
        count: a.count,
        isConditionActive: a.isConditionActive,
        firstTriggeredAt: a.triggeredAt,
        lastTriggeredAt: a.triggeredAt,
        vital: a.readings[0]?.type ?? null,
        first: valueOf(a),
        last: valueOf(a),
      })
      return
    }
    const alert = alerts.get(action.alertKey)
    if (!alert) throw new Error(`${action.kind} of ${action.alertKey}, not open`)
    if (action.kind === 'update') {
      Object.assign(alert, {
        severity: action.severity,
        count: action.count,
        isConditionActive: true,
        lastTriggeredAt: action.lastTriggeredAt,
        last: valueOf(action.finding),
      })
    } else alert.isConditionActive = false
  }
}

/** As the server reads a stored finding (clinician-web/server episode-view.ts). */
function valueOf(f: AlertFinding): EpisodeValue | null {
  return episodeValueOf(f)
}
