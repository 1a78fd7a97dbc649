import {
  decodeMedicalFloat,
  encodeMedicalFloat,
  medicalFloatSpecial,
  type MedicalFloatFormat,
  type MedicalFloatSpecial,
} from './medical-float.js'

/** IEEE 11073-20601 SFLOAT: 16 bits, 4-bit signed exponent, 12-bit signed mantissa. */
const SFLOAT: MedicalFloatFormat = { name: 'SFLOAT', exponentBits: 4, mantissaBits: 12 }

/** Raw SFLOAT words of the special values (11073-20601). */
export const SFLOAT_SPECIAL = {
  NaN: 0x07ff,
  NRes: 0x0800,
  '+INF': 0x07fe,
  '-INF': 0x0802,
  reserved: 0x0801,
} as const satisfies Record<MedicalFloatSpecial, number>

/** Decodes a raw 16-bit SFLOAT; NaN for NaN/NRes/reserved, ±Infinity for ±INF. */
export function decodeSfloat(raw: number): number {
  return decodeMedicalFloat(SFLOAT, raw & 0xffff)
}

/** The special value a raw SFLOAT encodes, or null for a number. */
export function sfloatSpecial(raw: number): MedicalFloatSpecial | null {
  return medicalFloatSpecial(SFLOAT, raw & 0xffff)
}

/**
 * Encodes a number as a raw 16-bit SFLOAT with up to 4 significant digits
 * (mantissa ±2045). NaN/±Infinity give the special values. Throws
 * ProtocolError `invalid-field` above 2045 × 10^7.
 */
export function encodeSfloat(value: number): number {
  return encodeMedicalFloat(SFLOAT, value)
}
