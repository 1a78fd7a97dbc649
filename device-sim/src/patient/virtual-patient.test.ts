import { VITAL_TYPES, type VitalType } from '@varde/domain'
import { describe, expect, it } from 'vitest'
import { DEVICE_KINDS, DEVICE_VITALS } from '../devices/device-kinds.js'
import { PROFILE_NAMES } from './profiles.js'
import { VirtualPatient } from './virtual-patient.js'

const DAY = 86_400_000
const t0 = new Date('2026-11-10T07:00:00Z')

const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length
describe('VirtualPatient', () => {
  it('is deterministic from its seed, whatever was measured before', () => {
    const a = new VirtualPatient({ profiles: ['copd'], seed: 11 })
    const b = new VirtualPatient({ profiles: ['copd'], seed: 11 })
    b.measure('scale', t0)
    b.measure('oximeter', new Date(t0.getTime() + 5 * DAY))
    expect(b.measure('oximeter', t0)).toEqual(a.measure('oximeter', t0))
    expect(b.baseline).toEqual(a.baseline)
  })

  it('gives another patient for another seed', () => {
    const a = new VirtualPatient({ profiles: ['general'], seed: 1 })
    const b = new VirtualPatient({ profiles: ['general'], seed: 2 })
    expect(a.baseline).not.toEqual(b.baseline)
  })

  it('moves baselines by condition: low SpO2 in COPD, high BP in hypertension, high glucose in diabetes', () => {
    const seeds = Array.from({ length: 40 }, (_, i) => i)
    const avg = (profile: (typeof PROFILE_NAMES)[number], key: 'spo2' | 'systolic' | 'glucose'): number =>
      mean(seeds.map((seed) => new VirtualPatient({ profiles: [profile], seed }).baseline[key]))
    expect(avg('copd', 'spo2')).toBeLessThan(avg('general', 'spo2') - 3)
    expect(avg('hypertension', 'systolic')).toBeGreaterThanOrEqual(145)
    expect(avg('general', 'systolic')).toBeLessThan(140)
    expect(avg('diabetes', 'glucose')).toBeGreaterThan(7)
    expect(avg('general', 'glucose')).toBeLessThan(6)
  })

  it('keeps every device reading inside the protocol plausible range, for every profile', () => {
    for (const profile of PROFILE_NAMES) {
      const p = new VirtualPatient({ profiles: [profile], seed: profile })
      for (let h = 0; h < 24 * 30; h += 5) {
        const at = new Date(t0.getTime() + h * 3_600_000)
        for (const device of DEVICE_KINDS) {
          for (const [type, value] of Object.entries(p.measure(device, at)) as [VitalType, number][]) {
            const { min, max } = VITAL_TYPES[type].plausible
            expect(value, `${profile} ${device} ${type}`).toBeGreaterThanOrEqual(min)
            expect(value, `${profile} ${device} ${type}`).toBeLessThanOrEqual(max)
          }
        }
      }
    }
  })

  it('reads what each device reads, rounded to its display', () => {
    const p = new VirtualPatient({ profiles: ['general'], seed: 3 })
    for (const device of DEVICE_KINDS) expect(Object.keys(p.measure(device, t0)).sort()).toEqual([...DEVICE_VITALS[device]].sort())
    expect(Number.isInteger(p.measure('oximeter', t0).spo2)).toBe(true)
    const weight = p.measure('scale', t0)['body-weight'] as number
    expect(Math.round(weight * 10) / 10).toBe(weight)
  })

  it('has a daily rhythm: morning blood pressure above the night', () => {
    const p = new VirtualPatient({ profiles: ['hypertension'], seed: 4 })
    const at = (hourUtc: number): number[] =>
      Array.from({ length: 30 }, (_, d) => p.stateAt(new Date(Date.UTC(2026, 10, 1 + d, hourUtc))).systolic)
    expect(mean(at(8))).toBeGreaterThan(mean(at(20)) + 8)
  })

  it('in a COPD exacerbation lowers SpO2 and raises the pulse with it', () => {
    const start = new Date(t0.getTime() + 10 * DAY)
    const p = new VirtualPatient({ profiles: ['copd'], seed: 5, episodes: [{ kind: 'copd-exacerbation', start, rampMs: 2 * DAY }] })
    const before = p.stateAt(new Date(start.getTime() - DAY))
    const during = p.stateAt(new Date(start.getTime() + 3 * DAY))
    expect(during.spo2).toBeLessThan(before.spo2 - 3.5)
    expect(during.pulse).toBeGreaterThan(before.pulse + 8)
    expect(during.temperature).toBeGreaterThan(before.temperature + 0.2)
  })

  it('in a heart-failure decompensation gains about 2.8 kg over the ramp', () => {
    const start = new Date(t0.getTime() + 10 * DAY)
    const plain = new VirtualPatient({ profiles: ['heart-failure'], seed: 6 })
    const sick = new VirtualPatient({ profiles: ['heart-failure'], seed: 6, episodes: [{ kind: 'heart-failure-decompensation', start, rampMs: 3 * DAY }] })
    const at = new Date(start.getTime() + 4 * DAY)
    expect(sick.stateAt(at).weightKg - plain.stateAt(at).weightKg).toBeCloseTo(2.8, 1)
    expect(sick.stateAt(start).weightKg).toBeCloseTo(plain.stateAt(start).weightKg, 6)
    const recovered = new VirtualPatient({
      profiles: ['heart-failure'], seed: 6, episodes: [{ kind: 'heart-failure-decompensation', start, rampMs: DAY, durationMs: DAY }],
    })
    expect(recovered.stateAt(new Date(start.getTime() + 4 * DAY)).weightKg).toBeCloseTo(plain.stateAt(new Date(start.getTime() + 4 * DAY)).weightKg, 6)
  })

  it('raises glucose after meals, more in diabetes', () => {
    const general = new VirtualPatient({ profiles: ['general'], seed: 8 })
    const diabetic = new VirtualPatient({ profiles: ['diabetes'], seed: 8 })
    // 07:00 UTC is 08:00 Oslo in winter, 15 min after breakfast; 08:45 Oslo is the peak.
    const fasting = new Date('2026-11-10T05:30:00Z')
    const afterBreakfast = new Date('2026-11-10T07:45:00Z')
    const rise = (p: VirtualPatient): number => p.stateAt(afterBreakfast).glucose - p.stateAt(fasting).glucose
    expect(rise(general)).toBeGreaterThan(1)
    expect(rise(diabetic)).toBeGreaterThan(rise(general) + 1.5)
  })
})
