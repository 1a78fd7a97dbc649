import type { VitalType } from './vital-types.js'
import { VITAL_TYPES } from './vital-types.js'

/**
 * UCUM unit conversion to the canonical unit of each vital type
 * (device-protocol.md, "Decoded types": other units naming the same quantity
 * are converted; the original value and unit are kept).
 */

/** 1 [lb_av] = 0.45359237 kg exactly (international yard and pound agreement, 1959; UCUM). */
const KG_PER_POUND = 0.45359237

/** 1 mm[Hg] = 133.322387415 Pa (UCUM: 13.5951 g/cm³ × 9.80665 m/s² × 1 mm). */
const PASCAL_PER_MM_HG = 133.322387415

/**
 * mg/dL per mmol/L of glucose: molar mass of D-glucose C6H12O6 is 180.16 g/mol
 * (PubChem CID 5793), so 1 mmol/L = 180.16 mg/L = 18.016 mg/dL. This is the
 * factor laboratories and glucose meters use.
 */
export const GLUCOSE_MG_PER_DL_PER_MMOL_PER_L = 18.016

type Converter = (value: number) => number

/**
 * Known units per type, as a converter to the canonical unit. The canonical
 * unit itself is not listed. `kg/L` and `mol/L` are the Bluetooth Glucose
 * Measurement's native units (GLS), accepted in the decoded form too since
 * they name the same quantity.
 */
const ALTERNATIVE_UNITS: Readonly<Record<VitalType, Readonly<Record<string, Converter>>>> = {
  'body-weight': { '[lb_av]': (lb) => lb * KG_PER_POUND },
  spo2: {},
  pulse: {},
  'bp-systolic': { kPa: (kpa) => (kpa * 1000) / PASCAL_PER_MM_HG },
  'bp-diastolic': { kPa: (kpa) => (kpa * 1000) / PASCAL_PER_MM_HG },
  'body-temperature': { '[degF]': (f) => ((f - 32) * 5) / 9 },
  'blood-glucose': {
    'mg/dL': (mgPerDl) => mgPerDl / GLUCOSE_MG_PER_DL_PER_MMOL_PER_L,
    // 1 kg/L = 10^6 mg / 10 dL = 10^5 mg/dL.
    'kg/L': (kgPerL) => (kgPerL * 100_000) / GLUCOSE_MG_PER_DL_PER_MMOL_PER_L,
    'mol/L': (molPerL) => molPerL * 1000,
  },
  'respiratory-rate': {},
  // the patient-reported scores have one unit only, {score} (ADR 0042)
  'cat-score': {},
  wellbeing: {},
}

/**
 * Decimals kept after a conversion, per canonical unit: finer than any home
 * device resolves, coarse enough to drop floating-point noise.
 * - kg: 1 g (GATT weight resolves 5 g, or 0.01 lb ≈ 4.5 g)
 * - Cel: 0.01 °C (a thermometer reading 0.1 °F resolves ≈ 0.056 °C)
 * - mm[Hg]: 0.1 mmHg (a monitor reading 0.1 kPa resolves ≈ 0.75 mmHg)
 * - mmol/L: 0.01 mmol/L (1 mg/dL ≈ 0.056 mmol/L)
 * Values sent in the canonical unit are kept exactly as sent.
 */
export const CONVERTED_DECIMALS: Readonly<Record<string, number>> = {
  kg: 3,
  Cel: 2,
  'mm[Hg]': 1,
  'mmol/L': 2,
  '%': 1,
  '/min': 1,
}

export interface CanonicalValue {
  value: number
  /** Canonical UCUM unit of the type. */
  unit: string
  /** The value as sent, when it was converted; else null. */
  originalValue: number | null
  originalUnit: string | null
}

/** Units accepted for a type: the canonical unit first, then the convertible ones. */
export function acceptedUnits(type: VitalType): string[] {
  return [VITAL_TYPES[type].unit, ...Object.keys(ALTERNATIVE_UNITS[type])]
}

/**
 * Converts a value of `type` in `unit` to the type's canonical unit, rounded
 * per {@link CONVERTED_DECIMALS}. Null when the unit does not name the type's
 * quantity (`unit-mismatch`).
 */
export function toCanonicalUnit(
  type: VitalType,
  value: number,
  unit: string,
): CanonicalValue | null {
  const canonical = VITAL_TYPES[type].unit
  if (unit === canonical) return { value, unit, originalValue: null, originalUnit: null }
  const alternatives = ALTERNATIVE_UNITS[type]
  const convert = Object.hasOwn(alternatives, unit) ? alternatives[unit] : undefined
  if (!convert) return null
  return {
    value: roundTo(convert(value), CONVERTED_DECIMALS[canonical] ?? 3),
    unit: canonical,
    originalValue: value,
    originalUnit: unit,
  }
}

/** Rounds to `decimals` places (of the double as stored); never yields -0. */
export function roundTo(value: number, decimals: number): number {
  if (!Number.isFinite(value)) return value
  return Number(value.toFixed(decimals)) + 0
}
