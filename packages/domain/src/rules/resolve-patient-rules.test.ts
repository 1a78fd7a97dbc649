import { describe, expect, it } from 'vitest'
import { resolvePatientRules } from './resolve-patient-rules.js'
import { RuleError } from './rule-error.js'
import { ruleOverrideSchema, type RuleOverrideInput } from './rule-override.js'
import type { Rule, RuleOf, RuleSet } from './rule-set.js'

function rule<K extends Rule['kind']>(set: RuleSet, id: string, kind: K): RuleOf<K> {
  const found = set.rules.find((r) => r.id === id)
  if (!found || found.kind !== kind) throw new Error(`no ${kind} rule ${id}`)
  return found as RuleOf<K>
}

const nurse = { id: 'u-1', hprNumber: '1234567' }
const override = (o: Partial<RuleOverrideInput> & Pick<RuleOverrideInput, 'ruleId'>) =>
  ruleOverrideSchema.parse({
    version: 1,
    params: {},
    setBy: nurse,
    setAt: '2026-01-01T12:00:00Z',
    ...o,
  })

describe('resolvePatientRules: profile defaults', () => {
  it('gives everyone the general profile, in Europe/Oslo', () => {
    const set = resolvePatientRules([], [])
    expect(set.timeZone).toBe('Europe/Oslo')
    expect(set.conditions).toEqual(['general'])
    expect(set.rules.map((r) => r.id)).toEqual([
      'threshold:spo2',
      'threshold:pulse',
      'threshold:blood-pressure',
      'threshold:respiratory-rate',
      'threshold:body-temperature',
      'threshold:blood-glucose',
      'threshold:wellbeing',
      'news2',
      'device:gateway-offline',
      'device:low-battery',
    ])
    expect(set.rules.every((r) => r.version === 'default:2026.1' && r.isEnabled)).toBe(true)
  })

  it('lets the COPD SpO2 target win over scale 1, also for NEWS2, with heart failure alongside', () => {
    const set = resolvePatientRules(['heart-failure', 'copd'], [])
    expect(set.conditions).toEqual(['general', 'copd', 'heart-failure'])
    const spo2 = rule(set, 'threshold:spo2', 'threshold')
    expect(spo2.params.vitals).toEqual([
      {
        vital: 'spo2',
        red: { low: { value: 83, isInclusive: true } },
        yellow: { low: { value: 87, isInclusive: true } },
        hysteresis: 1,
      },
    ])
    expect(spo2.origin).toEqual({ kind: 'default', conditions: ['copd'] })
    expect(rule(set, 'news2', 'news2').params.spo2Scale).toBe(2)
    expect(set.rules.map((r) => r.id)).toEqual(
      expect.arrayContaining(['baseline:spo2', 'trend:weight-gain', 'missed:body-weight']),
    )
  })

  it('combines general and hypertension blood-pressure limits into the strictest', () => {
    const bp = rule(
      resolvePatientRules(['hypertension'], []),
      'threshold:blood-pressure',
      'threshold',
    )
    expect(bp.params.vitals).toEqual([
      {
        vital: 'bp-systolic',
        red: { low: { value: 90, isInclusive: true }, high: { value: 180, isInclusive: true } },
        yellow: { low: { value: 100, isInclusive: true }, high: { value: 160, isInclusive: true } },
        hysteresis: 5,
      },
      {
        vital: 'bp-diastolic',
        red: { high: { value: 110, isInclusive: true } },
        yellow: { high: { value: 100, isInclusive: true } },
        hysteresis: 5,
      },
    ])
    expect(bp.origin).toEqual({ kind: 'default', conditions: ['general', 'hypertension'] })
    expect(bp.source).toContain('ESH 2023')
  })

  it('adds high glucose limits for diabetes to the general hypoglycaemia limits', () => {
    const glucose = rule(
      resolvePatientRules(['diabetes'], []),
      'threshold:blood-glucose',
      'threshold',
    )
    expect(glucose.params.vitals[0]?.red).toEqual({
      low: { value: 3, isInclusive: false },
      high: { value: 20, isInclusive: true },
    })
    expect(glucose.params.vitals[0]?.yellow).toEqual({
      low: { value: 4, isInclusive: false },
      high: { value: 13.9, isInclusive: false },
    })
  })

  it('refuses an unknown time zone', () => {
    expect(() => resolvePatientRules([], [], { timeZone: 'Mars/Olympus' })).toThrow(RuleError)
  })
})

describe('resolvePatientRules: clinician overrides', () => {
  it('applies the latest version of each override, with who and when', () => {
    const set = resolvePatientRules(
      ['heart-failure'],
      [
        override({ ruleId: 'trend:weight-gain', version: 1, params: { yellowGainKg: 1.5 } }),
        override({
          ruleId: 'trend:weight-gain',
          version: 3,
          params: { yellowGainKg: 1.0, redGainKg: 3 },
          reason: 'Nylig innlagt',
          setAt: '2026-02-01T08:00:00Z',
        }),
        override({ ruleId: 'trend:weight-gain', version: 2, params: { yellowGainKg: 2.5 } }),
      ],
    )
    const gain = rule(set, 'trend:weight-gain', 'weight-gain')
    expect(gain.params).toEqual({
      yellowGainKg: 1.0,
      redGainKg: 3,
      windowDays: 3,
      hysteresisKg: 0.5,
    })
    expect(gain.version).toBe('default:2026.1+override:3')
    expect(gain.origin).toEqual({
      kind: 'override',
      conditions: ['heart-failure'],
      overrideVersion: 3,
      setBy: nurse,
      setAt: new Date('2026-02-01T08:00:00Z'),
      reason: 'Nylig innlagt',
    })
  })

  it('merges threshold overrides vital by vital, replacing only the bands given', () => {
    const set = resolvePatientRules(
      ['hypertension'],
      [
        override({
          ruleId: 'threshold:blood-pressure',
          params: {
            vitals: [{ vital: 'bp-systolic', yellow: { high: { value: 150, isInclusive: true } } }],
          },
        }),
      ],
    )
    const [systolic, diastolic] = rule(set, 'threshold:blood-pressure', 'threshold').params.vitals
    expect(systolic?.yellow).toEqual({ high: { value: 150, isInclusive: true } })
    expect(systolic?.red).toEqual({
      low: { value: 90, isInclusive: true },
      high: { value: 180, isInclusive: true },
    })
    expect(diastolic?.yellow).toEqual({ high: { value: 100, isInclusive: true } })
  })

  it('switches a rule off, and takes a rule the profiles lack from the catalogue', () => {
    const set = resolvePatientRules(
      [],
      [
        override({ ruleId: 'news2', isEnabled: false }),
        override({ ruleId: 'trend:weight-gain', params: { yellowGainKg: 3 } }),
      ],
    )
    expect(rule(set, 'news2', 'news2').isEnabled).toBe(false)
    expect(rule(set, 'trend:weight-gain', 'weight-gain').params.yellowGainKg).toBe(3)
  })

  it('creates a new schedule from a complete override', () => {
    const set = resolvePatientRules(
      ['copd'],
      [
        override({
          ruleId: 'missed:spo2',
          kind: 'missed-measurement',
          params: {
            vital: 'spo2',
            windowStart: '06:00',
            deadline: '12:00',
            weekdays: [1, 3, 5],
            severity: 'yellow',
          },
        }),
      ],
    )
    const schedule = rule(set, 'missed:spo2', 'missed-measurement')
    expect(schedule.version).toBe('override:1')
    expect(schedule.params.weekdays).toEqual([1, 3, 5])
  })

  it.each([
    ['an unknown rule without kind', override({ ruleId: 'missed:pulse' }), 'unknown-rule'],
    [
      'a kind that does not match',
      override({ ruleId: 'threshold:spo2', kind: 'news2' }),
      'invalid-override',
    ],
    [
      'a negative gain',
      override({ ruleId: 'trend:weight-gain', params: { yellowGainKg: -1 } }),
      'invalid-override',
    ],
    [
      'red below yellow',
      override({ ruleId: 'news2', params: { redScore: 4 } }),
      'invalid-override',
    ],
    [
      'a bad clock time',
      override({ ruleId: 'missed:body-weight', params: { deadline: '25:00' } }),
      'invalid-override',
    ],
    [
      'an incomplete new rule',
      override({ ruleId: 'missed:spo2', kind: 'missed-measurement', params: { vital: 'spo2' } }),
      'invalid-override',
    ],
  ])('refuses %s', (_name, bad, code) => {
    try {
      resolvePatientRules(['heart-failure'], [bad])
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(RuleError)
      expect((error as RuleError).code).toBe(code)
      expect((error as RuleError).detail).toContain(bad.ruleId)
    }
  })

  it('validates overrides at the edge with the schema (dates as ISO strings)', () => {
    expect(
      ruleOverrideSchema.safeParse({
        ruleId: 'news2',
        version: 0,
        setBy: nurse,
        setAt: '2026-01-01T00:00:00Z',
      }).success,
    ).toBe(false)
    expect(
      ruleOverrideSchema.safeParse({
        ruleId: 'news2',
        version: 1,
        setBy: {},
        setAt: '2026-01-01T00:00:00Z',
      }).success,
    ).toBe(false)
    expect(
      ruleOverrideSchema.parse({
        ruleId: 'news2',
        version: 1,
        setBy: nurse,
        setAt: '2026-01-01T00:00:00Z',
      }).params,
    ).toEqual({})
  })
})
