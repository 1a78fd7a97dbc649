import type { Reading } from '../protocol/types.js'
import type { VitalType } from '../vital-types.js'
import type { AlertFinding } from './alert.js'
import type { Verdict } from './alert-ledger.js'
import { toReadingRef, type MeasurementGroup } from './measurement-group.js'
import { ReadingTimeline } from './reading-timeline.js'
import type { News2Params, RuleOf } from './rule-set.js'
import { formatNumber, limitWord, localized, vitalLabel, type Language } from './summary-text.js'

/**
 * NEWS2 (Royal College of Physicians 2017), Chart 1, for the parameters a
 * patient measures at home. Consciousness is not measured and scores 0
 * (alert); "air or oxygen" comes from the rule (`isOnSupplementalOxygen`),
 * since a gateway cannot tell. The score is therefore partial: a lower bound
 * of the bedside NEWS2, and said so in the summary.
 */

export const NEWS2_PARAMETERS = [
  'respiratory-rate',
  'spo2',
  'bp-systolic',
  'pulse',
  'body-temperature',
] as const
export type News2Parameter = (typeof NEWS2_PARAMETERS)[number]

export function isNews2Parameter(type: VitalType): type is News2Parameter {
  return (NEWS2_PARAMETERS as readonly string[]).includes(type)
}

type ScaleOptions = Pick<News2Params, 'spo2Scale' | 'isOnSupplementalOxygen'>

/**
 * Points (0–3) for one value, from NEWS2 Chart 1. The chart's bands are
 * written for whole numbers (temperature to 0.1 °C); a value between two bands
 * scores with the band nearer normal (pulse 90.5 scores 0, SpO2 91.5 on
 * scale 1 scores 2), so each chart number is exactly where its band starts.
 */
export function news2ParameterScore(
  type: News2Parameter,
  value: number,
  options: ScaleOptions,
): number {
  switch (type) {
    case 'respiratory-rate':
      // ≤8: 3 · 9–11: 1 · 12–20: 0 · 21–24: 2 · ≥25: 3
      if (value <= 8) return 3
      if (value <= 11) return 1
      if (value < 21) return 0
      if (value < 25) return 2
      return 3
    case 'spo2':
      if (options.spo2Scale === 1) {
        // Scale 1: ≤91: 3 · 92–93: 2 · 94–95: 1 · ≥96: 0
        if (value <= 91) return 3
        if (value <= 93) return 2
        if (value <= 95) return 1
        return 0
      }
      // Scale 2 (target 88–92 %): ≤83: 3 · 84–85: 2 · 86–87: 1 · 88–92 and ≥93 on air: 0
      // · on oxygen 93–94: 1 · 95–96: 2 · ≥97: 3 (over-oxygenation).
      if (value <= 83) return 3
      if (value <= 85) return 2
      if (value <= 87) return 1
      if (value < 93 || !options.isOnSupplementalOxygen) return 0
      if (value < 95) return 1
      if (value < 97) return 2
      return 3
    case 'bp-systolic':
      // ≤90: 3 · 91–100: 2 · 101–110: 1 · 111–219: 0 · ≥220: 3
      if (value <= 90) return 3
      if (value <= 100) return 2
      if (value <= 110) return 1
      if (value < 220) return 0
      return 3
    case 'pulse':
      // ≤40: 3 · 41–50: 1 · 51–90: 0 · 91–110: 1 · 111–130: 2 · ≥131: 3
      if (value <= 40) return 3
      if (value <= 50) return 1
      if (value < 91) return 0
      if (value < 111) return 1
      if (value < 131) return 2
      return 3
    case 'body-temperature':
      // ≤35.0: 3 · 35.1–36.0: 1 · 36.1–38.0: 0 · 38.1–39.0: 1 · ≥39.1: 2
      if (value <= 35.0) return 3
      if (value <= 36.0) return 1
      if (value < 38.1) return 0
      if (value < 39.1) return 1
      return 2
  }
}

/** NEWS2 Chart 1: supplemental oxygen scores 2, air 0. */
export const NEWS2_OXYGEN_POINTS = 2

export interface News2Result {
  score: number
  /** The latest reading of each parameter in the window, with its points. */
  parameters: { type: News2Parameter; reading: Reading; points: number }[]
  oxygenPoints: number
}

/**
 * The NEWS2 of the observations around `at`: the latest reading of each
 * parameter measured in [at − windowMinutes, at]. Null when fewer than
 * `minParameters` parameters were measured: no aggregate from one value.
 */
export function computeNews2(
  params: News2Params,
  timeline: readonly Reading[] | ReadingTimeline,
  at: Date,
): News2Result | null {
  const from = at.getTime() - params.windowMinutes * 60_000
  const readings = ReadingTimeline.of(timeline)
  const latest = new Map<News2Parameter, Reading>()
  for (const type of NEWS2_PARAMETERS) {
    const reading = readings.latest(type, from, at.getTime())
    if (reading) latest.set(type, reading)
  }
  if (latest.size < params.minParameters) return null
  const parameters = NEWS2_PARAMETERS.flatMap((type) => {
    const reading = latest.get(type)
    return reading
      ? [{ type, reading, points: news2ParameterScore(type, reading.value, params) }]
      : []
  })
  const oxygenPoints = params.isOnSupplementalOxygen ? NEWS2_OXYGEN_POINTS : 0
  return {
    score: parameters.reduce((sum, p) => sum + p.points, oxygenPoints),
    parameters,
    oxygenPoints,
  }
}

export function evaluateNews2(
  rule: RuleOf<'news2'>,
  group: MeasurementGroup,
  timeline: readonly Reading[] | ReadingTimeline,
): Verdict | null {
  if (!group.readings.some((r) => isNews2Parameter(r.type))) return null
  const result = computeNews2(rule.params, timeline, group.at)
  if (!result) return null
  const { score } = result
  const { yellowScore, redScore, hysteresis } = rule.params
  const readings = result.parameters.map((p) => toReadingRef(p.reading))
  const severity = score >= redScore ? 'red' : score >= yellowScore ? 'yellow' : null
  if (severity === null) {
    return score < yellowScore - hysteresis
      ? { kind: 'over', alertKey: rule.id, ruleId: rule.id, at: group.at, readings }
      : null
  }
  const limit = severity === 'red' ? redScore : yellowScore
  const finding: AlertFinding = {
    ruleId: rule.id,
    ruleVersion: rule.version,
    ruleKind: rule.kind,
    severity,
    thresholds: rule.params,
    measures: {
      score,
      parameterCount: result.parameters.length,
      ...Object.fromEntries(result.parameters.map((p) => [`points:${p.type}`, p.points])),
      ...(result.oxygenPoints > 0 ? { 'points:oxygen': result.oxygenPoints } : {}),
    },
    readings,
    summary: localized((language) => news2Summary(result, severity, limit, language)),
    news2Score: score,
    source: rule.source,
    triggeredAt: group.at,
  }
  return { kind: 'finding', alertKey: rule.id, finding }
}

function news2Summary(
  result: News2Result,
  severity: 'red' | 'yellow',
  limit: number,
  language: Language,
): string {
  const parts = result.parameters
    .filter((p) => p.points > 0)
    .map((p) => `${vitalLabel(p.type, language).toLowerCase()} ${p.points}`)
  if (result.oxygenPoints > 0)
    parts.push(`${language === 'nb' ? 'oksygen' : 'oxygen'} ${result.oxygenPoints}`)
  const n = formatNumber(result.parameters.length, 0, language)
  const head =
    language === 'nb'
      ? `NEWS2-skår ${result.score} fra ${n} målte parametre`
      : `NEWS2 score ${result.score} from ${n} measured parameters`
  return `${head}: ${parts.join(', ')} (${limitWord(severity, language)} ≥ ${limit})`
}
