import fc from 'fast-check'
import { nastyString, wrongValue } from './fuzz-batches.js'

/**
 * fast-check arbitraries of HTTP requests to every route the platform
 * describes of itself (issue 14, "Fuzzing in CI"): the OpenAPI document at
 * /api/docs/json and the FHIR CapabilityStatement at /fhir/metadata. Path
 * parameters, query parameters (named and stray, repeated, malformed
 * percent-encoding) and bodies (schema-shaped with wrong values, random
 * JSON, not JSON, the wrong content type) are all generated.
 */
export interface Route {
  method: string
  /** `/api/patients/{id}`: OpenAPI's template. */
  path: string
  pathParams: string[]
  queryParams: { name: string; schema: JsonSchema }[]
  body: JsonSchema | null
}

export interface JsonSchema {
  type?: string | string[]
  enum?: unknown[]
  properties?: Record<string, JsonSchema>
  items?: JsonSchema
  format?: string
}

export interface FuzzRequest {
  method: string
  /** Path and query, already encoded as they go on the wire. */
  target: string
  headers: Record<string, string>
  body: string | undefined
  as: 'nurse' | 'admin' | 'nobody'
}

interface OpenApi {
  paths: Record<string, Record<string, { parameters?: { name: string; in: string; schema?: JsonSchema }[]; requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>>
}

interface CapabilityStatement {
  rest: { resource: { type: string; interaction?: { code: string }[]; searchParam?: { name: string }[] }[] }[]
}

/** Routes that end the fuzzer's own session are called once at the end instead (they take no input). */
const AT_THE_END = new Set(['DELETE /api/session', 'POST /api/session/helseid/logout'])

export function routesOf(openApi: OpenApi, fhir: CapabilityStatement): Route[] {
  const routes: Route[] = []
  for (const [path, methods] of Object.entries(openApi.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (AT_THE_END.has(`${method.toUpperCase()} ${path}`)) continue
      const params = op.parameters ?? []
      routes.push({
        method: method.toUpperCase(), path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        body: op.requestBody?.content?.['application/json']?.schema ?? null,
      })
    }
  }
  for (const resource of fhir.rest[0]?.resource ?? []) {
    const codes = new Set((resource.interaction ?? []).map((i) => i.code))
    if (codes.has('read')) routes.push({ method: 'GET', path: `/fhir/${resource.type}/{id}`, pathParams: ['id'], queryParams: [], body: null })
    if (codes.has('search-type')) {
      // _cursor and _count: the paging parameters every search answers to (issue 14's malformed cursors)
      const names = [...(resource.searchParam ?? []).map((s) => s.name), '_cursor', '_count', '_format']
      routes.push({ method: 'GET', path: `/fhir/${resource.type}`, pathParams: [], queryParams: [...new Set(names)].map((name) => ({ name, schema: {} })), body: null })
    }
  }
  routes.push({ method: 'GET', path: '/fhir/metadata', pathParams: [], queryParams: [], body: null })
  return routes
}

/** Ids the platform holds, so that some requests reach past the "not found" and into validation and the database. */
export interface KnownIds {
  patientIds: string[]
  gatewayIds: string[]
  ruleIds: string[]
}

const uuidLike = fc.oneof(fc.uuid(), fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF'))
const base64Junk = fc.oneof(
  fc.string({ maxLength: 60 }).map((s) => Buffer.from(s).toString('base64')),
  fc.string({ maxLength: 60 }).map((s) => Buffer.from(s).toString('base64url')),
  fc.constantFrom('MXwy', Buffer.from("1|' OR 1=1 --").toString('base64'), Buffer.from('9999-99-99T99:99:99Z|not-a-uuid').toString('base64'), Buffer.from('2026-01-01T00:00:00Z|00000000-0000-0000-0000-000000000000').toString('base64url'), '====', '%%%'),
)
const dateLike = fc.oneof(
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('2026-02-30T00:00:00Z', '0000-00-00T00:00:00Z', '275760-09-13T00:00:00.000Z', '-000001-01-01T00:00:00Z', 'ge2026-01-01', 'lt9999-12-31T23:59:59Z', 'now', '1e999'),
)
const numberLike = fc.oneof(fc.integer().map(String), fc.constantFrom('-1', '0', '1e9', 'NaN', 'Infinity', '9'.repeat(40), '1.5', '0x10', ''))
const rawPercent = fc.constantFrom('%', '%0', '%zz', '%00', '%ff%fe', '%ED%A0%80', '%C0%AF', '..%2f..%2f', '%2e%2e')

/** A value for a path or query parameter, mostly encoded, sometimes raw percent-encoding as a hostile client sends it. */
function parameterValue(known: string[]): fc.Arbitrary<string> {
  const plain = fc.oneof(
    { arbitrary: uuidLike, weight: 2 },
    { arbitrary: known.length ? fc.constantFrom(...known) : fc.constant('x'), weight: 2 },
    { arbitrary: nastyString, weight: 3 },
    { arbitrary: base64Junk, weight: 1 },
    { arbitrary: dateLike, weight: 1 },
    { arbitrary: numberLike, weight: 1 },
    { arbitrary: fc.integer({ min: 1000, max: 20_000 }).map((n) => 'a'.repeat(n)), weight: 1 },
  ).map((v) => encodeURIComponent(toWellFormed(v)))
  return fc.oneof({ arbitrary: plain, weight: 6 }, { arbitrary: rawPercent, weight: 1 })
}

/** encodeURIComponent throws on a lone surrogate (a URL is UTF-8): it goes as U+FFFD here, and as raw `%ED%A0%80` in rawPercent. */
function toWellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
}

/** A body for a schema: its own shape with wrong values, or something else entirely. */
function bodyFor(schema: JsonSchema | null): fc.Arbitrary<{ body: string | undefined; contentType: string | undefined }> {
  const json = (v: unknown) => ({ body: JSON.stringify(v) ?? 'null', contentType: 'application/json' })
  const shaped = schema?.properties
    ? fc.record(Object.fromEntries(Object.entries(schema.properties).map(([k, s]) => [k, fc.option(valueFor(s), { nil: undefined })])), { requiredKeys: [] })
      .chain((o) => fc.dictionary(fc.string({ maxLength: 8 }), wrongValue, { maxKeys: 2 }).map((extra) => ({ ...extra, ...o })))
      .map(json)
    : fc.jsonValue({ maxDepth: 3 }).map(json)
  return fc.oneof(
    { arbitrary: shaped, weight: 6 },
    { arbitrary: fc.jsonValue({ maxDepth: 4 }).map(json), weight: 2 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((s) => ({ body: s, contentType: 'application/json' })), weight: 1 },
    { arbitrary: fc.integer({ min: 1, max: 200_000 }).map((n) => ({ body: `{"${'a'.repeat(8)}":"${'\\u0000'.repeat(Math.ceil(n / 6))}"}`, contentType: 'application/json' })), weight: 1 },
    { arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => ({ body: `${'['.repeat(n)}${']'.repeat(n)}`, contentType: 'application/json' })), weight: 1 },
    { arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', '').map((contentType) => ({ body: 'a=1&b=%00', contentType })), weight: 1 },
    { arbitrary: fc.constant({ body: undefined, contentType: undefined }), weight: 1 },
  )
}

function valueFor(schema: JsonSchema): fc.Arbitrary<unknown> {
  const good: fc.Arbitrary<unknown> = schema.enum
    ? fc.constantFrom(...schema.enum)
    : schema.type === 'boolean' ? fc.boolean()
      : schema.type === 'number' || schema.type === 'integer' ? fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double())
        : schema.type === 'array' ? fc.array(schema.items ? valueFor(schema.items) : fc.jsonValue({ maxDepth: 1 }), { maxLength: 4 })
          : schema.type === 'object' ? fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })
            : schema.format === 'date-time' ? dateLike
              : fc.oneof(fc.string({ maxLength: 30 }), uuidLike, nastyString)
  return fc.oneof({ arbitrary: good, weight: 3 }, { arbitrary: wrongValue, weight: 2 })
}

export function requestFor(route: Route, known: KnownIds, origin: string): fc.Arbitrary<FuzzRequest> {
  const knownFor = (name: string): string[] => {
    if (route.path.startsWith('/api/admin/gateways')) return name === 'deviceId' ? ['AA:BB:CC:00:11:22'] : known.gatewayIds
    if (name === 'ruleId') return known.ruleIds
    return known.patientIds
  }
  const pathValues = fc.tuple(...route.pathParams.map((name) => parameterValue(knownFor(name))))
  const query = fc.array(
    fc.oneof(
      { arbitrary: route.queryParams.length ? fc.constantFrom(...route.queryParams.map((q) => q.name)) : fc.constant('q'), weight: 4 },
      { arbitrary: fc.string({ maxLength: 8 }).map((s) => encodeURIComponent(toWellFormed(s))), weight: 1 },
    ).chain((name) => parameterValue(known.patientIds).map((value) => `${name}=${value}`)),
    { maxLength: 5 },
  )
  return fc
    .record({ pathValues, query, body: route.body || route.method !== 'GET' ? bodyFor(route.body) : fc.constant({ body: undefined, contentType: undefined }), as: fc.constantFrom('nurse', 'admin', 'admin', 'nurse', 'nobody') as fc.Arbitrary<FuzzRequest['as']> })
    .map(({ pathValues: values, query: pairs, body, as }) => {
      let path = route.path
      route.pathParams.forEach((name, i) => { path = path.replace(`{${name}}`, values[i] ?? '') })
      const headers: Record<string, string> = { origin }
      if (body.contentType) headers['content-type'] = body.contentType
      return { method: route.method, target: pairs.length ? `${path}?${pairs.join('&')}` : path, headers, body: route.method === 'GET' ? undefined : body.body, as }
    })
}
