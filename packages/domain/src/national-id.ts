/**
 * Norwegian national identity numbers (fødselsnummer) and D-numbers, as the
 * Tax Administration's population register defines them: 11 digits, DDMMYY
 * then a three-digit individual number then two mod-11 check digits. A
 * D-number adds 4 to the first digit of the day; synthetic test persons
 * (Skatteetaten's test register) add 80 to the month, older test data 40.
 * FHIR system: urn:oid:2.16.578.1.12.4.1.4.1 (fnr) and ...4.1.4.2 (dnr).
 */
export type NationalIdKind = 'fnr' | 'dnr'

export type NationalIdProblem = 'not-11-digits' | 'check-digits' | 'not-a-date'

const W1 = [3, 7, 6, 1, 8, 9, 4, 5, 2] as const
const W2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2] as const

/** The mod-11 check digit over `digits` with `weights`; 10 means no valid number has these digits. */
function checkDigit(digits: readonly number[], weights: readonly number[]): number {
  const sum = weights.reduce((s, w, i) => s + w * digits[i]!, 0)
  const rest = 11 - (sum % 11)
  return rest === 11 ? 0 : rest
}

/** Both check digits of the first nine digits, or null when the first is 10 (no such number). */
export function nationalIdCheckDigits(firstNine: string): string | null {
  const digits = [...firstNine].map(Number)
  const k1 = checkDigit(digits, W1)
  if (k1 === 10) return null
  const k2 = checkDigit([...digits, k1], W2)
  return k2 === 10 ? null : `${k1}${k2}`
}

export type NationalIdCheck =
  | { isValid: true; kind: NationalIdKind; isSynthetic: boolean }
  | { isValid: false; problem: NationalIdProblem }

/** Checks a national identity number or D-number: its digits, its check digits and that it names a day. */
export function checkNationalId(value: string): NationalIdCheck {
  if (!/^\d{11}$/.test(value)) return { isValid: false, problem: 'not-11-digits' }
  if (nationalIdCheckDigits(value.slice(0, 9)) !== value.slice(9)) return { isValid: false, problem: 'check-digits' }
  let day = Number(value.slice(0, 2))
  let month = Number(value.slice(2, 4))
  const kind: NationalIdKind = day > 40 ? 'dnr' : 'fnr'
  if (kind === 'dnr') day -= 40
  const isSynthetic = month > 80 || (month > 40 && month <= 52)
  if (month > 80) month -= 80
  else if (month > 40) month -= 40
  // the century is not needed to know whether a day exists, except 29 February: a leap year in some century is enough
  const daysIn = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
  if (month < 1 || month > 12 || day < 1 || day > daysIn[month - 1]!) return { isValid: false, problem: 'not-a-date' }
  if (month === 2 && day === 29 && Number(value.slice(4, 6)) % 4 !== 0) return { isValid: false, problem: 'not-a-date' }
  return { isValid: true, kind, isSynthetic }
}
