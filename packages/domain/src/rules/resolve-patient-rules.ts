import { stricterBand } from './band.js'
import { CONDITION_PROFILES, DEFAULT_RULES_VERSION, type AnyRuleDefault } from './profiles.js'
import { RuleError } from './rule-error.js'
import type { RuleOverride } from './rule-override.js'
import {
  CONDITION_IDS,
  RULE_PARAMS_SCHEMAS,
  type ConditionId,
  type Rule,
  type RuleKind,
  type RuleParamsByKind,
  type RuleSet,
  type VitalBands,
} from './rule-set.js'
import { isTimeZone } from './zoned-time.js'

export interface ResolveOptions {
  /** The patient's wall-clock zone; default `Europe/Oslo`. */
  timeZone?: string
}

export const DEFAULT_TIME_ZONE = 'Europe/Oslo'

/**
 * The rules for one patient: the `general` profile plus each condition's
 * defaults, merged rule by rule into the strictest sensible combination (a
 * profile marked authoritative for a rule wins outright: COPD's SpO2 target),
 * then each rule's latest clinician override (highest `version`).
 *
 * Throws {@link RuleError}: `invalid-time-zone`; `unknown-rule` for an override
 * of a rule no profile knows and that gives no `kind`; `invalid-override` when
 * the merged parameters fail their schema.
 */
export function resolvePatientRules(
  conditions: readonly ConditionId[],
  overrides: readonly RuleOverride[],
  options: ResolveOptions = {},
): RuleSet {
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE
  if (!isTimeZone(timeZone))
    throw new RuleError('invalid-time-zone', `unknown time zone ${timeZone}`)

  const applied = CONDITION_IDS.filter((id) => id === 'general' || conditions.includes(id))
  const defaults = mergeProfiles(applied)
  const rules = new Map<string, Rule>(defaults.map((r) => [r.id, r]))

  for (const override of latestOverrides(overrides)) {
    const base = rules.get(override.ruleId) ?? catalogueRule(override.ruleId)
    rules.set(override.ruleId, applyOverride(base, override))
  }
  return { timeZone, conditions: applied, rules: [...rules.values()] }
}

/** Every rule of every profile, merged as if a patient had all conditions: the base for an override of a rule the patient's profiles lack. */
function catalogueRule(ruleId: string): Rule | undefined {
  return mergeProfiles(CONDITION_IDS).find((r) => r.id === ruleId)
}

function mergeProfiles(conditions: readonly ConditionId[]): Rule[] {
  const byId = new Map<string, { condition: ConditionId; rule: AnyRuleDefault }[]>()
  for (const condition of conditions) {
    for (const rule of CONDITION_PROFILES[condition].rules) {
      const list = byId.get(rule.id) ?? []
      list.push({ condition, rule })
      byId.set(rule.id, list)
    }
  }
  return [...byId.entries()].map(([id, all]) => {
    const authoritative = all.filter((d) => d.rule.isAuthoritative === true)
    const used = authoritative.length > 0 ? authoritative : all
    const first = used[0]
    if (!first) throw new RuleError('unknown-rule', id) // unreachable: every list has an entry
    if (used.some((d) => d.rule.kind !== first.rule.kind)) {
      throw new RuleError('invalid-override', `profiles disagree on the kind of ${id}`)
    }
    return {
      id,
      kind: first.rule.kind,
      version: `default:${DEFAULT_RULES_VERSION}`,
      params: mergeDefaultParams(
        first.rule.kind,
        used.map((d) => d.rule.params),
      ),
      isEnabled: true,
      source: [...new Set(used.map((d) => d.rule.source))].join('; '),
      origin: { kind: 'default', conditions: used.map((d) => d.condition) },
    } as Rule
  })
}

function minOrNull(values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null)
  return present.length === 0 ? null : Math.min(...present)
}

/** The strictest sensible combination of several profiles' defaults for one rule. */
function mergeDefaultParams<K extends RuleKind>(
  kind: K,
  list: RuleParamsByKind[RuleKind][],
): RuleParamsByKind[K] {
  const all = list as RuleParamsByKind[K][]
  if (all.length === 1) return all[0] as RuleParamsByKind[K]
  switch (kind) {
    case 'threshold': {
      const merged = new Map<string, VitalBands>()
      for (const params of all as RuleParamsByKind['threshold'][]) {
        for (const b of params.vitals) {
          const seen = merged.get(b.vital)
          merged.set(
            b.vital,
            seen
              ? {
                  vital: b.vital,
                  red: stricterBand(seen.red, b.red),
                  yellow: stricterBand(seen.yellow, b.yellow),
                  hysteresis: Math.max(seen.hysteresis, b.hysteresis),
                }
              : b,
          )
        }
      }
      return {
        vitals: [...merged.values()],
      } satisfies RuleParamsByKind['threshold'] as RuleParamsByKind[K]
    }
    case 'weight-gain': {
      const p = all as RuleParamsByKind['weight-gain'][]
      return {
        yellowGainKg: Math.min(...p.map((x) => x.yellowGainKg)),
        redGainKg: minOrNull(p.map((x) => x.redGainKg)),
        windowDays: Math.max(...p.map((x) => x.windowDays)),
        hysteresisKg: Math.max(...p.map((x) => x.hysteresisKg)),
      } satisfies RuleParamsByKind['weight-gain'] as RuleParamsByKind[K]
    }
    case 'baseline-deviation': {
      const p = all as RuleParamsByKind['baseline-deviation'][]
      const first = p[0] as RuleParamsByKind['baseline-deviation']
      return {
        vital: first.vital,
        direction: first.direction,
        yellowDelta: Math.min(...p.map((x) => x.yellowDelta)),
        redDelta: minOrNull(p.map((x) => x.redDelta)),
        windowDays: Math.max(...p.map((x) => x.windowDays)),
        minReadings: Math.min(...p.map((x) => x.minReadings)),
        hysteresis: Math.max(...p.map((x) => x.hysteresis)),
      } satisfies RuleParamsByKind['baseline-deviation'] as RuleParamsByKind[K]
    }
    case 'news2': {
      const p = all as RuleParamsByKind['news2'][]
      return {
        spo2Scale: p.some((x) => x.spo2Scale === 2) ? 2 : 1,
        isOnSupplementalOxygen: p.some((x) => x.isOnSupplementalOxygen),
        yellowScore: Math.min(...p.map((x) => x.yellowScore)),
        redScore: Math.min(...p.map((x) => x.redScore)),
        windowMinutes: Math.max(...p.map((x) => x.windowMinutes)),
        minParameters: Math.min(...p.map((x) => x.minParameters)),
        hysteresis: Math.max(...p.map((x) => x.hysteresis)),
      } satisfies RuleParamsByKind['news2'] as RuleParamsByKind[K]
    }
    case 'missed-measurement': {
      const p = all as RuleParamsByKind['missed-measurement'][]
      const earliest = [...p].sort((a, b) =>
        a.deadline.localeCompare(b.deadline),
      )[0] as RuleParamsByKind['missed-measurement']
      const weekdays = [...new Set(p.flatMap((x) => x.weekdays))].sort((a, b) => a - b)
      return {
        ...earliest,
        weekdays,
      } satisfies RuleParamsByKind['missed-measurement'] as RuleParamsByKind[K]
    }
    case 'gateway-offline': {
      const p = all as RuleParamsByKind['gateway-offline'][]
      return {
        yellowAfterHours: Math.min(...p.map((x) => x.yellowAfterHours)),
        redAfterHours: minOrNull(p.map((x) => x.redAfterHours)),
      } satisfies RuleParamsByKind['gateway-offline'] as RuleParamsByKind[K]
    }
    case 'low-battery': {
      const p = all as RuleParamsByKind['low-battery'][]
      return {
        yellowAtOrBelowPercent: Math.max(...p.map((x) => x.yellowAtOrBelowPercent)),
        hysteresisPercent: Math.max(...p.map((x) => x.hysteresisPercent)),
      } satisfies RuleParamsByKind['low-battery'] as RuleParamsByKind[K]
    }
  }
  return all[0] as RuleParamsByKind[K]
}

/** Per rule, the override with the highest version. */
function latestOverrides(overrides: readonly RuleOverride[]): RuleOverride[] {
  const latest = new Map<string, RuleOverride>()
  for (const o of overrides) {
    const seen = latest.get(o.ruleId)
    if (!seen || o.version > seen.version) latest.set(o.ruleId, o)
  }
  return [...latest.values()].sort((a, b) => a.ruleId.localeCompare(b.ruleId))
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function mergeOverrideParams(
  kind: RuleKind,
  base: unknown,
  patch: Record<string, unknown>,
): unknown {
  if (!isRecord(base)) return patch
  if (kind === 'threshold' && Array.isArray(patch.vitals) && Array.isArray(base.vitals)) {
    const vitals = (base.vitals as unknown[]).map((v) => (isRecord(v) ? { ...v } : v))
    for (const entry of patch.vitals as unknown[]) {
      if (!isRecord(entry)) {
        vitals.push(entry)
        continue
      }
      const index = vitals.findIndex((v) => isRecord(v) && v.vital === entry.vital)
      if (index >= 0) vitals[index] = { ...(vitals[index] as Record<string, unknown>), ...entry }
      else vitals.push(entry)
    }
    return { ...base, ...patch, vitals }
  }
  return { ...base, ...patch }
}

function applyOverride(base: Rule | undefined, override: RuleOverride): Rule {
  const where = `${override.ruleId} v${override.version}`
  const kind = override.kind ?? base?.kind
  if (!kind)
    throw new RuleError(
      'unknown-rule',
      `${where}: no profile has this rule; give its kind and full params to create it`,
    )
  if (base && base.kind !== kind)
    throw new RuleError('invalid-override', `${where}: rule is ${base.kind}, override says ${kind}`)

  const parsed = RULE_PARAMS_SCHEMAS[kind].safeParse(
    mergeOverrideParams(kind, base?.params, override.params),
  )
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.join('.') || 'params'}: ${i.message}`)
      .join('; ')
    throw new RuleError('invalid-override', `${where}: ${issues}`)
  }
  return {
    id: override.ruleId,
    kind,
    version: base
      ? `${base.version.split('+')[0]}+override:${override.version}`
      : `override:${override.version}`,
    params: parsed.data,
    isEnabled: override.isEnabled ?? base?.isEnabled ?? true,
    source: base?.source ?? 'Klinikers valg',
    origin: {
      kind: 'override',
      conditions: base ? base.origin.conditions : [],
      overrideVersion: override.version,
      setBy: override.setBy,
      setAt: override.setAt,
      reason: override.reason ?? null,
    },
  } as Rule
}
