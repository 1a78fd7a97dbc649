import { ProtocolError } from '../errors.js'

/**
 * Shared by SFLOAT and FLOAT, the decimal floating-point types of
 * ISO/IEEE 11073-20601 (FLOAT-Type, SFLOAT-Type) that Bluetooth health profiles use:
 * value = mantissa × 10^exponent, both two's complement. The top five
 * mantissa codes (max−1 .. max+3, i.e. +2046..−2046 for SFLOAT) are special
 * values, never numbers.
 */
export interface MedicalFloatFormat {
  name: 'SFLOAT' | 'FLOAT'
  exponentBits: number
  mantissaBits: number
}

export type MedicalFloatSpecial = 'NaN' | 'NRes' | '+INF' | '-INF' | 'reserved'

/** 11073-20601: special values by mantissa offset from 2^(bits−1) − 1 (NaN). */
const SPECIAL_BY_OFFSET: Readonly<Record<number, MedicalFloatSpecial>> = {
  [-1]: '+INF',
  0: 'NaN',
  1: 'NRes',
  2: 'reserved',
  3: '-INF',
}

function limits(format: MedicalFloatFormat) {
  const nanCode = 2 ** (format.mantissaBits - 1) - 1
  return {
    nanCode,
    /** Largest |mantissa| that is a number: below +INF (nanCode − 1) and above −INF. */
    maxMantissa: nanCode - 2,
    minExponent: -(2 ** (format.exponentBits - 1)),
    maxExponent: 2 ** (format.exponentBits - 1) - 1,
    mantissaMask: 2 ** format.mantissaBits - 1,
    exponentMask: 2 ** format.exponentBits - 1,
  }
}

/** The special value a raw word encodes, or null when it is a number. */
export function medicalFloatSpecial(
  format: MedicalFloatFormat,
  raw: number,
): MedicalFloatSpecial | null {
  const { nanCode, mantissaMask } = limits(format)
  const mantissa = raw & mantissaMask
  return SPECIAL_BY_OFFSET[mantissa - nanCode] ?? null
}

/**
 * Decodes a raw word; special values become NaN (NaN, NRes, reserved) or
 * ±Infinity. Parsed through the decimal text so every spelling of a value
 * (120e0, 1200e−1) yields the very same double.
 */
export function decodeMedicalFloat(format: MedicalFloatFormat, raw: number): number {
  const special = medicalFloatSpecial(format, raw)
  if (special === '+INF') return Infinity
  if (special === '-INF') return -Infinity
  if (special !== null) return NaN
  const { mantissaMask } = limits(format)
  const unsignedMantissa = raw & mantissaMask
  const unsignedExponent = Math.floor(raw / 2 ** format.mantissaBits) & limits(format).exponentMask
  const mantissa = toSigned(unsignedMantissa, format.mantissaBits)
  const exponent = toSigned(unsignedExponent, format.exponentBits)
  return Number(`${mantissa}e${exponent}`)
}

/**
 * Encodes a number with as many significant digits as the mantissa holds,
 * without trailing zeros after the decimal point (82.4 → 824e−1, 120 → 120e0). NaN and ±Infinity
 * become the special values. Throws ProtocolError `invalid-field` when the
 * magnitude is beyond the format.
 */
export function encodeMedicalFloat(format: MedicalFloatFormat, value: number): number {
  const { nanCode, maxMantissa, minExponent, maxExponent, mantissaMask } = limits(format)
  if (Number.isNaN(value)) return nanCode
  if (value === Infinity) return nanCode - 1
  if (value === -Infinity) return (nanCode + 3) & mantissaMask
  const [mantissa, exponent] = toMantissaExponent(value, maxMantissa, minExponent)
  if (exponent > maxExponent) {
    throw new ProtocolError('invalid-field', `${value} is too large for ${format.name}`)
  }
  const rawExponent = exponent < 0 ? exponent + 2 ** format.exponentBits : exponent
  const rawMantissa = mantissa < 0 ? mantissa + 2 ** format.mantissaBits : mantissa
  return rawExponent * 2 ** format.mantissaBits + rawMantissa
}

function toMantissaExponent(
  value: number,
  maxMantissa: number,
  minExponent: number,
): [number, number] {
  if (value === 0) return [0, 0]
  const sign = value < 0 ? -1 : 1
  const magnitude = Math.abs(value)
  const maxDigits = String(maxMantissa).length
  for (let digits = maxDigits; digits >= 1; digits--) {
    // toExponential rounds the double correctly to `digits` significant digits.
    const [digitsText = '', exponentText = '0'] = magnitude.toExponential(digits - 1).split('e')
    let mantissa = Number(digitsText.replace('.', ''))
    let exponent = Number(exponentText) - (digits - 1)
    if (mantissa > maxMantissa) continue
    if (exponent < minExponent) {
      // Smaller than the finest step: round at the smallest exponent.
      mantissa = Math.round(magnitude * 10 ** -minExponent)
      exponent = minExponent
      if (mantissa > maxMantissa) continue
    }
    // Integers keep exponent 0 where they fit, as devices send them.
    while (mantissa !== 0 && mantissa % 10 === 0 && exponent < 0) {
      mantissa /= 10
      exponent++
    }
    return mantissa === 0 ? [0, 0] : [sign * mantissa, exponent]
  }
  return [0, 0]
}

function toSigned(unsigned: number, bits: number): number {
  return unsigned >= 2 ** (bits - 1) ? unsigned - 2 ** bits : unsigned
}
