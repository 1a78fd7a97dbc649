import type { VitalType } from '@varde/domain'
import { DEVICE_VITALS, type DeviceKind } from '../devices/device-kinds.js'
import { SeededNoise, type Seed } from '../random/seeded-noise.js'
import { DEFAULT_TIME_ZONE, toLocal } from '../time/zoned-time.js'
import { episodeShift, type Episode } from './episodes.js'
import { baselineFor, normalizeProfiles, type Baseline, type Profile } from './profiles.js'

export type VitalValues = Partial<Record<VitalType, number>>

export interface VirtualPatientOptions {
  profiles: readonly Profile[]
  seed: Seed
  episodes?: readonly Episode[]
  /** The home's zone, for the daily rhythm. Default Europe/Oslo. */
  timeZone?: string
  /** Resting values to use instead of the profiles' (e.g. a well-controlled hypertension); the rest come from the seed. */
  baseline?: Partial<Baseline>
}

/** The patient's true state at an instant, before a device measures it. */
export interface PhysiologicalState {
  weightKg: number
  spo2: number
  pulse: number
  systolic: number
  diastolic: number
  temperature: number
  glucose: number
}

const DAY_MS = 86_400_000

/** Measurement scatter of a home device, 1 SD in canonical units. */
const DEVICE_SCATTER: Readonly<Record<VitalType, number>> = {
  'body-weight': 0.1,
  spo2: 0.7,
  pulse: 2.5,
  'bp-systolic': 5,
  'bp-diastolic': 3.5,
  'body-temperature': 0.12,
  'blood-glucose': 0.25,
  'respiratory-rate': 1,
  // the patient-reported scores (ADR 0042) are answered on /min-side, never sent by a simulated device
  'cat-score': 0,
  wellbeing: 0,
}

/** What a home device displays: its resolution, and what it can show at all. */
const DEVICE_DISPLAY: Readonly<Record<VitalType, { step: number; min: number; max: number }>> = {
  'body-weight': { step: 0.1, min: 2, max: 300 },
  spo2: { step: 1, min: 70, max: 100 },
  pulse: { step: 1, min: 30, max: 220 },
  'bp-systolic': { step: 1, min: 60, max: 260 },
  'bp-diastolic': { step: 1, min: 30, max: 160 },
  'body-temperature': { step: 0.1, min: 34, max: 42 },
  'blood-glucose': { step: 0.1, min: 1.1, max: 33.3 },
  'respiratory-rate': { step: 1, min: 5, max: 60 },
  'cat-score': { step: 1, min: 0, max: 40 },
  wellbeing: { step: 1, min: 1, max: 5 },
}

/** Meal times (hours, local) for the post-prandial glucose rise. */
const MEALS = [7.75, 12, 17.5]

/**
 * A physiological model of one patient: baseline by condition profile,
 * daily rhythm, day-to-day drift, episodes, correlations (pulse rises as
 * SpO2 falls and with fever; fluid gain lowers SpO2), and device scatter.
 * Every value is a pure function of (seed, instant): deterministic, and
 * independent of what else was measured before.
 */
export class VirtualPatient {
  readonly profiles: readonly Profile[]
  readonly baseline: Readonly<Baseline>
  readonly isDiabetic: boolean
  private readonly noise: SeededNoise
  private readonly episodes: Episode[]
  private readonly timeZone: string

  constructor(options: VirtualPatientOptions) {
    this.profiles = normalizeProfiles(options.profiles)
    this.noise = new SeededNoise(options.seed)
    this.baseline = { ...baselineFor(this.profiles, this.noise), ...options.baseline }
    this.isDiabetic = this.profiles.includes('diabetes')
    this.episodes = [...(options.episodes ?? [])]
    this.timeZone = options.timeZone ?? DEFAULT_TIME_ZONE
  }

  addEpisode(episode: Episode): void {
    this.episodes.push(episode)
  }

  /** The true state at `at`. */
  stateAt(at: Date): PhysiologicalState {
    const t = at.getTime()
    const days = t / DAY_MS
    const local = toLocal(at, this.timeZone)
    const hour = local.hour + local.minute / 60
    const b = this.baseline
    const e = episodeShift(this.episodes, t)
    const n = this.noise
    // Phase-shifted cosines: 1 at the peak hour, -1 twelve hours later.
    const rhythm = (peakHour: number): number => Math.cos((2 * Math.PI * (hour - peakHour)) / 24)

    // Fluid retained beyond the day-to-day drift: what a decompensation adds.
    const fluidKg = Math.max(0, e.weightKg)
    // Slow drift (fluid, diet) plus day-to-day variation of about ±0.3 kg, and ~0.6 kg more in the evening.
    const weightKg =
      b.weightKg + 0.5 * n.smooth('weight', days, 5) + 0.3 * n.smooth('weight-day', days, 1) + 0.3 * rhythm(19) + e.weightKg
    const temperature = b.temperature + 0.1 * n.smooth('temperature', days, 3) + 0.25 * rhythm(18) + e.temperature
    const spo2 = Math.min(
      100,
      b.spo2 + 0.6 * n.smooth('spo2', days, 2) + 0.3 * rhythm(15) + e.spo2 - 0.4 * fluidKg,
    )
    // Hypoxaemia and fever both drive the heart rate up (~10/min per °C).
    const pulse =
      b.pulse +
      3 * n.smooth('pulse', days, 3) +
      4 * rhythm(15) +
      1.5 * Math.max(0, b.spo2 - spo2) +
      9 * Math.max(0, temperature - 37.2) +
      1.5 * fluidKg +
      e.pulse
    // Systolic and diastolic share their drift; the morning surge peaks around 09.
    const bpDrift = n.smooth('bp', days, 3)
    const systolic = b.systolic + 5 * bpDrift + 6 * rhythm(9) + e.systolic
    const diastolic = b.diastolic + 3 * bpDrift + 4 * rhythm(9) + e.diastolic
    const mealRise = MEALS.reduce((sum, meal) => sum + postPrandial(hour - meal), 0)
    const glucose = Math.max(
      1.5,
      b.glucose +
        (this.isDiabetic ? 0.1 * b.glucose : 0.25) * n.smooth('glucose', days, 2) +
        (this.isDiabetic ? 4.2 : 1.8) * mealRise +
        (this.isDiabetic ? 0.8 * dawn(hour) : 0) +
        e.glucose,
    )
    return { weightKg, spo2, pulse, systolic, diastolic, temperature, glucose }
  }

  /**
   * What `device` reads at `at`: the true state plus the device's scatter,
   * rounded to what it displays. The scatter depends on the device, so an
   * oximeter and a BP monitor at the same moment show different pulses.
   */
  measure(device: DeviceKind, at: Date): VitalValues {
    const state = this.stateAt(at)
    const key = Math.floor(at.getTime() / 1000)
    const values: VitalValues = {}
    for (const type of DEVICE_VITALS[device]) {
      const truth = trueValue(state, type)
      const scatter = DEVICE_SCATTER[type] * (type === 'blood-glucose' && this.isDiabetic ? 2.4 : 1)
      const raw = truth + scatter * this.noise.gaussian(`${device}.${type}`, key)
      const { step, min, max } = DEVICE_DISPLAY[type]
      values[type] = roundTo(Math.min(max, Math.max(min, raw)), step)
    }
    if (values['bp-diastolic'] !== undefined && values['bp-systolic'] !== undefined) {
      values['bp-diastolic'] = Math.min(values['bp-diastolic'], values['bp-systolic'] - 15)
    }
    return values
  }
}

function trueValue(state: PhysiologicalState, type: VitalType): number {
  switch (type) {
    case 'body-weight':
      return state.weightKg
    case 'spo2':
      return state.spo2
    case 'pulse':
      return state.pulse
    case 'bp-systolic':
      return state.systolic
    case 'bp-diastolic':
      return state.diastolic
    case 'body-temperature':
      return state.temperature
    case 'blood-glucose':
      return state.glucose
    case 'respiratory-rate':
      return 16 + Math.max(0, 95 - state.spo2)
    case 'cat-score':
    case 'wellbeing':
      throw new Error(`${type} is patient-reported (ADR 0042); no device measures it`)
  }
}

/** Glucose rise after a meal, 0–1: peaks ~1 h after, gone after ~3 h. */
function postPrandial(hoursSinceMeal: number): number {
  if (hoursSinceMeal <= 0 || hoursSinceMeal > 4) return 0
  return hoursSinceMeal * Math.exp(1 - hoursSinceMeal)
}

/** Dawn phenomenon: early-morning glucose rise in diabetes, 0–1, around 04–08. */
function dawn(hour: number): number {
  const x = (hour - 6) / 1.5
  return Math.exp(-x * x)
}

function roundTo(value: number, step: number): number {
  const decimals = step < 1 ? Math.round(-Math.log10(step)) : 0
  return Number((Math.round(value / step) * step).toFixed(decimals))
}
