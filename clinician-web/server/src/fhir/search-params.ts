import { z } from 'zod'
import { isStorableInstant, storableText } from '../input-schemas.js'
import { FHIR_ID, parseObservationId } from './identifiers.js'

/**
 * The FHIR search parameters Varde reads (platform-contract.md "FHIR R4"), as
 * zod schemas: a malformed one is a 400 OperationOutcome (issue 14), never a
 * query. Parameters may repeat (`date=ge…&date=le…`); those read once take
 * the first value, each value being checked.
 */
const MAX_COUNT = 1000
const DEFAULT_COUNT = 100

const repeated = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item)]).optional().transform((v): z.output<T>[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
const firstOf = <T extends z.ZodType>(item: T) => repeated(item).transform((values) => values[0])

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

/** `Patient/<id>` or `<id>`, the id a uuid. */
export const patientReference = z.string().max(100).transform((s) => s.replace(/^Patient\//, '')).refine((id) => UUID.test(id), 'must be Patient/<uuid> or <uuid>')

export interface DateBound { prefix: 'ge' | 'gt' | 'le' | 'lt' | 'eq'; at: Date; isDay: boolean; raw: string }
const DATE = /^(ge|gt|le|lt|eq)?(\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?)$/
const dateBound = z.string().max(64).transform((raw, ctx): DateBound => {
  const m = DATE.exec(raw)
  const isDay = m?.[2]?.length === 10
  const at = m ? new Date(isDay ? `${m[2]}T00:00:00Z` : m[2]!) : undefined
  if (!m || !at || !isStorableInstant(at.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'must be [ge|gt|le|lt|eq]YYYY-MM-DD or an instant with its offset, between 1900 and 9999' })
    return z.NEVER
  }
  return { prefix: (m[1] ?? 'eq') as DateBound['prefix'], at, isDay, raw }
})

/** The keyset position of a next link: base64url of `<ISO instant>|<measurement uuid>`, as `encodeCursor` makes it. */
export interface Cursor { measuredAt: Date; id: string }
type ParsedCursor = Cursor & { raw: string }
const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/
const cursor = z.string().max(200).transform((raw, ctx): ParsedCursor => {
  const m = /^[A-Za-z0-9_-]+$/.test(raw) ? CURSOR.exec(Buffer.from(raw, 'base64url').toString('utf8')) : null
  const measuredAt = m ? new Date(m[1]!) : undefined
  if (!m || !measuredAt || !isStorableInstant(measuredAt.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'Invalid _cursor: take the next link as the server gave it' })
    return z.NEVER
  }
  return { measuredAt, id: m[2]!, raw }
})
export const encodeCursor = (c: Cursor): string => Buffer.from(`${c.measuredAt.toISOString()}|${c.id}`).toString('base64url')

const count = z.string().regex(/^\d{1,9}$/, 'must be a whole number').transform((s) => Math.min(Math.max(1, Number(s)), MAX_COUNT))

export const identifierQuery = z.object({ identifier: firstOf(storableText(200)) })

/** `Patient?identifier=` and `Device?identifier=`, with the Observations that point at each match (`_revinclude`). */
export const revIncludingQuery = identifierQuery.extend({ _revinclude: repeated(storableText(100)) })

export const observationQuery = z.object({
  patient: firstOf(patientReference),
  subject: firstOf(patientReference),
  code: firstOf(storableText(1000)),
  'combo-code': firstOf(storableText(1000)),
  date: repeated(dateBound),
  _count: firstOf(count).transform((c) => c ?? DEFAULT_COUNT),
  _cursor: firstOf(cursor),
  // chained search by national id (R4 search.html §3.1.1.4.13), and the result parameters the route reads
  'patient.identifier': firstOf(storableText(200)),
  _include: repeated(storableText(100)),
  _sort: firstOf(storableText(100)),
  _summary: firstOf(storableText(100)),
})

/** `GET /fhir/Observation/$lastn?patient=&code=&category=&max=` (issue 21): the newest `max` of each code, 1 by default (R4 observation-operation-lastn). */
export const lastnQuery = z.object({
  patient: firstOf(patientReference),
  subject: firstOf(patientReference),
  code: firstOf(storableText(1000)),
  category: firstOf(storableText(200)),
  max: firstOf(count).transform((c) => Math.min(c ?? 1, MAX_LASTN)),
})
/** The most Observations of one code a `$lastn` gives. */
export const MAX_LASTN = 100

/** `GET /fhir/AuditEvent?patient=&date=` (log control, issue 19). */
export const auditEventQuery = z.object({
  patient: firstOf(patientReference),
  date: repeated(dateBound),
  _count: firstOf(count).transform((c) => c ?? DEFAULT_COUNT),
})

/** An Organization's id: the tenant's (migration 0001: [a-z0-9-]{2,40}). */
export const organizationIdParams = z.object({ id: z.string().regex(/^[a-z0-9-]{2,40}$/, 'must be an Organization id as this server gives them') })

export const resourceIdParams = z.object({ id: z.string().regex(UUID, 'must be a uuid') })

/** A Device's id, as FHIR ids are (deviceResourceId makes them so). */
export const deviceIdParams = z.object({ id: z.string().regex(FHIR_ID, 'must be a FHIR id ([A-Za-z0-9.-]{1,64})') })

/** An Observation's id, `<uuid>.<time>` (identifiers.ts observationResourceId). */
export const observationIdParams = z.object({
  id: z.string().max(64).transform((raw, ctx) => {
    const reading = parseObservationId(raw)
    if (!reading || !isStorableInstant(reading.measuredAt.getTime())) {
      ctx.addIssue({ code: 'custom', message: 'must be an Observation id as this server gives them' })
      return z.NEVER
    }
    return { raw, ...reading }
  }),
})

/** `GET /fhir/CareTeam?patient=` (platform-contract.md "FHIR R4"). */
export const careTeamQuery = z.object({ patient: firstOf(patientReference), subject: firstOf(patientReference) })
