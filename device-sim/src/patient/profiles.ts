import type { DeviceKind } from '../devices/device-kinds.js'
import type { SeededNoise } from '../random/seeded-noise.js'

/** Condition profiles of the virtual patients (DOMAIN.md "Typical target groups"), plus `general`. */
export const PROFILE_NAMES = ['general', 'copd', 'heart-failure', 'diabetes', 'hypertension'] as const
export type Profile = (typeof PROFILE_NAMES)[number]

export function isProfile(value: unknown): value is Profile {
  return typeof value === 'string' && (PROFILE_NAMES as readonly string[]).includes(value)
}

/** A patient's resting values in the protocol's canonical units, before rhythm, drift, episodes and noise. */
export interface Baseline {
  weightKg: number
  spo2: number
  pulse: number
  systolic: number
  diastolic: number
  temperature: number
  /** Fasting glucose, mmol/L. */
  glucose: number
}

/** One measurement session of a day plan: at a local wall-clock time, on some weekdays (1 Monday … 7 Sunday; all when absent). */
export interface ScheduleSlot {
  time: string
  devices: readonly DeviceKind[]
  weekdays?: readonly number[]
}

export interface ProfileDefinition {
  name: Profile
  /** The plan the nurse sets up (egenbehandlingsplan): when to measure what. */
  schedule: readonly ScheduleSlot[]
  /** Moves the patient's baseline from the general population's towards this condition. */
  adjust(baseline: Baseline, noise: SeededNoise): void
}

const clamp = (x: number, min: number, max: number): number => Math.min(max, Math.max(min, x))

/**
 * Baselines are rough, plausible figures for elderly patients in home
 * follow-up, not clinical reference values: COPD patients run SpO2 in the low
 * 90s; heart-failure patients are often on drugs that lower blood pressure;
 * hypertension is ≥ 140/90 (ESC/ESH 2018); diabetes fasting glucose ≥ 7.
 */
export const PROFILES: Readonly<Record<Profile, ProfileDefinition>> = {
  general: {
    name: 'general',
    schedule: [
      { time: '08:00', devices: ['bp-monitor', 'oximeter'] },
      { time: '07:30', devices: ['scale'], weekdays: [1, 4] },
    ],
    adjust() {},
  },
  copd: {
    name: 'copd',
    schedule: [
      { time: '08:00', devices: ['oximeter', 'thermometer'] },
      { time: '20:00', devices: ['oximeter'] },
    ],
    adjust(b, noise) {
      b.spo2 = clamp(92.5 + 1.2 * noise.gaussian('copd', 'spo2'), 88, 95)
      b.pulse += 6
      b.weightKg -= 4
    },
  },
  'heart-failure': {
    name: 'heart-failure',
    // Daily weight, on waking, after the toilet and before breakfast: the ESC self-care advice.
    schedule: [
      { time: '07:30', devices: ['scale'] },
      { time: '08:00', devices: ['bp-monitor', 'oximeter'] },
    ],
    adjust(b) {
      b.weightKg += 6
      b.pulse += 4
      b.spo2 -= 1
      b.systolic -= 10
      b.diastolic -= 5
    },
  },
  diabetes: {
    name: 'diabetes',
    schedule: [
      { time: '07:00', devices: ['glucose-meter'] },
      { time: '17:00', devices: ['glucose-meter'] },
      { time: '21:30', devices: ['glucose-meter'] },
      { time: '07:30', devices: ['scale'], weekdays: [1] },
    ],
    adjust(b, noise) {
      b.glucose = clamp(7.6 + 1.1 * noise.gaussian('diabetes', 'glucose'), 6.2, 11)
      b.weightKg += 9
    },
  },
  hypertension: {
    name: 'hypertension',
    // Home BP morning and evening (ESH home blood pressure monitoring protocol).
    schedule: [
      { time: '07:45', devices: ['bp-monitor'] },
      { time: '21:00', devices: ['bp-monitor'] },
    ],
    adjust(b, noise) {
      b.systolic = Math.max(b.systolic, 152 + 8 * noise.gaussian('hypertension', 'systolic'))
      b.diastolic = Math.max(b.diastolic, 92 + 5 * noise.gaussian('hypertension', 'diastolic'))
    },
  },
}

/** The profiles in canonical order without repeats; `general` only when nothing else is given. */
export function normalizeProfiles(profiles: readonly Profile[]): Profile[] {
  const given = new Set(profiles)
  const specific = PROFILE_NAMES.filter((p) => p !== 'general' && given.has(p))
  return specific.length > 0 ? specific : ['general']
}

/** The general population's baseline for this seed, then moved by each profile in canonical order. */
export function baselineFor(profiles: readonly Profile[], noise: SeededNoise): Baseline {
  const g = (field: string): number => noise.gaussian('baseline', field)
  const baseline: Baseline = {
    weightKg: clamp(76 + 12 * g('weight'), 48, 125),
    spo2: clamp(97 + 0.7 * g('spo2'), 95, 99),
    pulse: clamp(70 + 6 * g('pulse'), 55, 88),
    systolic: clamp(132 + 8 * g('systolic'), 112, 148),
    diastolic: clamp(80 + 5 * g('diastolic'), 65, 89),
    temperature: clamp(36.7 + 0.15 * g('temperature'), 36.3, 37.1),
    glucose: clamp(5.3 + 0.35 * g('glucose'), 4.5, 6.0),
  }
  for (const profile of normalizeProfiles(profiles)) PROFILES[profile].adjust(baseline, noise)
  return baseline
}

/** The union of the profiles' day plans; slots at the same time merge into one session. */
export function scheduleFor(profiles: readonly Profile[]): ScheduleSlot[] {
  const byKey = new Map<string, { time: string; devices: Set<DeviceKind>; weekdays?: readonly number[] }>()
  for (const profile of normalizeProfiles(profiles)) {
    for (const slot of PROFILES[profile].schedule) {
      const key = `${slot.time}|${slot.weekdays?.join(',') ?? '*'}`
      const entry = byKey.get(key) ?? { time: slot.time, devices: new Set<DeviceKind>(), weekdays: slot.weekdays }
      for (const d of slot.devices) entry.devices.add(d)
      byKey.set(key, entry)
    }
  }
  return [...byKey.values()]
    .map((e) => ({ time: e.time, devices: [...e.devices], ...(e.weekdays ? { weekdays: e.weekdays } : {}) }))
    .sort((a, b) => a.time.localeCompare(b.time))
}

/** Every device kind the day plan uses. */
export function deviceKindsFor(profiles: readonly Profile[]): DeviceKind[] {
  return [...new Set(scheduleFor(profiles).flatMap((s) => s.devices))]
}
