import {
  decodeMedicalFloat,
  encodeMedicalFloat,
  medicalFloatSpecial,
  type MedicalFloatFormat,
  type MedicalFloatSpecial,
} from './medical-float.js'

/** IEEE 11073-20601 FLOAT: 32 bits, 8-bit signed exponent, 24-bit signed mantissa. */
const FLOAT: MedicalFloatFormat = { name: 'FLOAT', exponentBits: 8, mantissaBits: 24 }

/** Raw FLOAT words of the special values (11073-20601). */
export const FLOAT_SPECIAL = {
  NaN: 0x007fffff,
  NRes: 0x00800000,
  '+INF': 0x007ffffe,
  '-INF': 0x00800002,
  reserved: 0x00800001,
} as const satisfies Record<MedicalFloatSpecial, number>

/** Decodes a raw 32-bit FLOAT (unsigned); NaN for NaN/NRes/reserved, ±Infinity for ±INF. */
export function decodeFloat(raw: number): number {
  return decodeMedicalFloat(FLOAT, raw >>> 0)
}

/** The special value a raw FLOAT encodes, or null for a number. */
export function floatSpecial(raw: number): MedicalFloatSpecial | null {
  return medicalFloatSpecial(FLOAT, raw >>> 0)
}

/**
 * Encodes a number as a raw 32-bit FLOAT (unsigned) with up to 7 significant
 * digits (mantissa ±8388605). NaN/±Infinity give the special values.
 */
export function encodeFloat(value: number): number {
  return encodeMedicalFloat(FLOAT, value)
}
