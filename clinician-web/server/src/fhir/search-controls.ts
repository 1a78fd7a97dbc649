import type { FastifyRequest } from 'fastify'
import { ERRORS } from '../errors/api-errors.js'
import { ALL_TYPES_PARAMS, SERVED } from './capability-statement.js'

/**
 * What FHIR's general parameters do here (issue 22, platform-contract.md
 * "FHIR R4"): parameters a route does not know are ignored or refused as the
 * caller's `Prefer: handling=` asks (R4 search.html §3.1.1.5.2; lenient, the
 * default, ignores them), and `_elements` trims what was served. The names a
 * route knows are the CapabilityStatement's (SERVED), so what is refused and
 * what is listed cannot drift apart (test/fhir-contract.test.ts).
 */
export type Handling = 'strict' | 'lenient'

/** `Prefer: handling=strict|lenient`, lenient when absent or unreadable. */
export function handlingOf(request: FastifyRequest): Handling {
  const prefer = request.headers.prefer
  const value = Array.isArray(prefer) ? prefer.join(',') : (prefer ?? '')
  return /(?:^|[,;\s])handling\s*=\s*"?strict"?/i.test(value) ? 'strict' : 'lenient'
}

/** The query's parameter names as sent (before the route's schema drops what it does not read). */
export function sentParameters(request: FastifyRequest): string[] {
  const url = request.raw.url ?? ''
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : ''
  return [...new Set([...new URLSearchParams(query).keys()])]
}

/**
 * The names a FHIR route knows: a search's are its type's search parameters
 * (with the includes and chains the statement lists); a read's only those of
 * all types (`_elements`). A route outside SERVED (metadata) knows none.
 */
export function knownParameters(routeUrl: string): Set<string> {
  const known = new Set(ALL_TYPES_PARAMS.map((p) => p.name))
  // an operation (`/fhir/Observation/$lastn`) knows its own parameters
  const op = /^\/fhir\/([A-Za-z]+)\/\$([a-z-]+)$/.exec(routeUrl)
  if (op) {
    for (const name of SERVED[op[1] as keyof typeof SERVED]?.operations?.find((o) => o.name === op[2])?.params ?? []) known.add(name)
    return known
  }
  const m = /^\/fhir\/([A-Za-z]+)(\/:id)?$/.exec(routeUrl)
  const served = m ? SERVED[m[1] as keyof typeof SERVED] : undefined
  if (!served || m?.[2]) return known
  for (const p of served.searchParams) known.add(p.name)
  for (const chain of served.chains ?? []) known.add(chain)
  if (served.searchInclude?.length) known.add('_include')
  if (served.searchRevInclude?.length) known.add('_revinclude')
  return known
}

/** Refuses, under `handling=strict`, every parameter the route does not know; returns those ignored otherwise. */
export function checkParameters(request: FastifyRequest): string[] {
  const known = knownParameters(request.routeOptions.url ?? '')
  const unknown = sentParameters(request).filter((name) => !known.has(name))
  if (unknown.length && handlingOf(request) === 'strict') {
    throw new ERRORS.fhirNotSupported(`Unknown or unsupported parameter(s): ${unknown.join(', ')} (Prefer: handling=strict; see /fhir/metadata)`)
  }
  return unknown
}

// R4 search.html §3.1.1.5.9: a resource trimmed by _elements carries the SUBSETTED tag, and keeps
// the elements every resource must have (id, meta, the type's mandatory ones are the caller's to ask for)
const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED', display: 'subsetted' }
const ELEMENT = /^[a-z][A-Za-z0-9]{0,63}$/

/** The top-level element names of `_elements` (comma separated, may repeat), or null when not asked for. */
export function elementsOf(request: FastifyRequest): string[] | null {
  const query = new URLSearchParams((request.raw.url ?? '').split('?')[1] ?? '')
  const values = query.getAll('_elements')
  if (!values.length) return null
  const names = values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean)
  const bad = names.find((n) => !ELEMENT.test(n))
  if (bad !== undefined) throw new ERRORS.fhirNotSupported(`_elements: "${bad.slice(0, 64)}" is not a top-level element name`)
  return names
}

type Json = Record<string, unknown>
/** A resource with only the elements asked for (plus resourceType, id and meta, tagged SUBSETTED). */
export function subset(resource: Json, elements: readonly string[]): Json {
  const keep = new Set(elements)
  const out: Json = { resourceType: resource.resourceType, ...(resource.id !== undefined ? { id: resource.id } : {}) }
  const meta = (resource.meta ?? {}) as Json
  out.meta = { ...meta, tag: [...((meta.tag as unknown[] | undefined) ?? []), SUBSETTED] }
  for (const [key, value] of Object.entries(resource)) {
    // a choice element is asked for by its name without the type (`value` keeps `valueQuantity`)
    const choice = /^(value|effective|onset|deceased|multipleBirth)[A-Z]/.exec(key)?.[1]
    if (keep.has(key) || (choice !== undefined && keep.has(choice))) out[key] = value
  }
  return out
}

/**
 * `_elements` applied to an answer already checked against its route's
 * response schema: a Bundle's matches are trimmed (its includes and an
 * OperationOutcome are not: search.html §3.1.1.5.9), a read's resource too.
 */
export function trimmed(body: Json, elements: readonly string[]): Json {
  if (body.resourceType === 'OperationOutcome' || body.resourceType === 'CapabilityStatement') return body
  if (body.resourceType !== 'Bundle') return subset(body, elements)
  const entries = (body.entry ?? []) as Json[]
  return {
    ...body,
    entry: entries.map((e) => ((e.search as Json | undefined)?.mode === 'match' ? { ...e, resource: subset(e.resource as Json, elements) } : e)),
  }
}
