import { z } from 'zod'

/**
 * The building blocks of every parameter, query string and body (issue 14:
 * odd input is a coded 400, never a 500). PostgreSQL's `text` and `jsonb`
 * refuse NUL (U+0000), `jsonb` an unpaired surrogate (JSON's `\ud800`, as
 * JSON.stringify writes it for an access-log entry), and its timestamps the
 * years JavaScript allows beyond 9999 or before 1 AD: such input is refused
 * here, at the edge, before a query could fail on it.
 */

const UNPAIRED_SURROGATE = /\p{Surrogate}/u
const isStorableString = (s: string) => !s.includes('\u0000') && !UNPAIRED_SURROGATE.test(s)
const UNSTORABLE_MESSAGE = 'must not contain the NUL character (U+0000) or an unpaired surrogate'

/** Text the database can hold: at most `max` characters (after trimming, with `trim`), at least `min`. */
export const storableText = (max: number, options: { min?: number; trim?: boolean } = {}) =>
  (options.trim ? z.string().trim() : z.string())
    .min(options.min ?? 0)
    .max(max)
    .refine(isStorableString, UNSTORABLE_MESSAGE)

/** A patient, user or alert id (the database's uuid). */
export const uuidParam = z.guid('must be a uuid')

/** A service pause's id (the database's bigint identity). */
export const bigintIdParam = z.string().regex(/^[1-9]\d{0,17}$/, 'must be a positive integer')

/** True when no string in `value`, nor any key, holds a NUL (jsonb refuses `\u0000`). */
export function isStorableJson(value: unknown): boolean {
  if (typeof value === 'string') return isStorableString(value)
  if (Array.isArray(value)) return value.every(isStorableJson)
  if (value !== null && typeof value === 'object')
    return Object.entries(value).every(([k, v]) => isStorableString(k) && isStorableJson(v))
  return true
}

/** A JSON object the database can hold as jsonb. */
export const storableJsonObject = z
  .record(z.string(), z.unknown())
  .refine(isStorableJson, `${UNSTORABLE_MESSAGE}, in no key or string`)

const MIN_INSTANT = Date.UTC(1900, 0, 1)
const MAX_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

/** True for a time the database can compare with its timestamps. */
export const isStorableInstant = (ms: number): boolean =>
  Number.isFinite(ms) && ms >= MIN_INSTANT && ms <= MAX_INSTANT

/** An ISO 8601 instant with its offset, between 1900 and 9999. */
export const isoInstant = z.iso
  .datetime({ offset: true })
  .refine((s) => isStorableInstant(Date.parse(s)), 'must be between 1900 and 9999')

/** `:id` of a patient, an alert … */
export const idParams = z.object({ id: uuidParam })
