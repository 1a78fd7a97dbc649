import fc from 'fast-check'

/**
 * fast-check arbitraries of what a gateway, broken or hostile, may publish on
 * its measurements topic (issue 14, "Fuzzing in CI"): bytes that are not
 * JSON, JSON that is no batch, nesting deep enough to break a recursive
 * walker, strings up to the broker's 256 KiB packet limit, NUL and lone
 * surrogates in every string field, a wrong type at every field, and valid
 * batches with one bad field among good measurements.
 */

/** A payload and what the fuzz knows of it: the batch id it claims, and the ids of its good measurements. */
export interface FuzzPayload {
  kind: string
  payload: Uint8Array
  /** The batchId the payload carries as a well-formed string, when it does. */
  batchId: string | null
  /** Measurements that must be accepted (or duplicate) whatever their bad neighbour does. */
  goodIds: string[]
}

/** The broker refuses larger packets (device-protocol.md "Connection"); topic and header take the rest. */
const MAX_PAYLOAD_BYTES = 256 * 1024 - 512

const SPECIALS = ['\u0000', '\ud800', '\udfff', '\udbff\u0000', 'a\u0000b', '\ufffe', '\u202e', '\\', '"', '\u0000\u0000\u0000', "' OR 1=1 --", '%00', '\r\n']

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...SPECIALS),
  fc.tuple(fc.string({ maxLength: 12 }), fc.constantFrom(...SPECIALS), fc.string({ maxLength: 12 })).map(([a, s, b]) => a + s + b),
  fc.string({ unit: 'binary', maxLength: 40 }),
)

/** Any value a field could wrongly hold. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.constantFrom(1e308, -1e308, -0, 2 ** 53 + 1, 0.1 + 0.2),
  nastyString, fc.constant(''), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
)

const MEASUREMENT_FIELDS = ['id', 'deviceId', 'type', 'value', 'unit', 'measuredAt', 'battery', 'gatt', 'extra'] as const
const ENVELOPE_FIELDS = ['batchId', 'sentAt', 'measurements', 'extra'] as const

/** Unique measured times, so no fuzz reading repeats another (device-protocol.md "Delivery, second key"). */
let tick = 0
const t0 = Date.now() - 3_600_000
export function uniqueTime(): string {
  tick += 1
  return new Date(t0 + tick).toISOString()
}

let batchCounter = 0
export function nextBatchId(prefix = 'fuzz'): string {
  batchCounter += 1
  return `${prefix}-${process.pid}-${batchCounter}`
}

export function validMeasurement(id: string): Record<string, unknown> {
  return { id, deviceId: 'AA:BB:CC:00:11:22', type: 'pulse', value: 60 + (tick % 30), unit: '/min', measuredAt: uniqueTime() }
}

export function cleanBatch(size = 1): { batchId: string; ids: string[]; payload: Uint8Array } {
  const batchId = nextBatchId('clean')
  const measurements = Array.from({ length: size }, (_, i) => validMeasurement(`m${i + 1}`))
  return { batchId, ids: measurements.map((m) => m.id as string), payload: encode({ batchId, sentAt: new Date().toISOString(), measurements }) }
}

const encode = (value: unknown): Uint8Array => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value) ?? 'undefined', 'utf8')

function withBatchId(kind: string, build: (batchId: string) => unknown, goodIds: string[] = [], claims = true): FuzzPayload {
  const batchId = nextBatchId()
  return { kind, payload: encode(build(batchId)), batchId: claims ? batchId : null, goodIds }
}

/** 1. Not a batch: random bytes, random text, random JSON. */
const notABatch: fc.Arbitrary<() => FuzzPayload> = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }).map((bytes) => () => ({ kind: 'bytes', payload: bytes, batchId: null, goodIds: [] })),
  fc.string({ unit: 'binary', maxLength: 400 }).map((text) => () => ({ kind: 'text', payload: encode(text), batchId: null, goodIds: [] })),
  fc.jsonValue({ maxDepth: 5 }).map((json) => () => ({ kind: 'json', payload: encode(json), batchId: null, goodIds: [] })),
)

/** 2. Deep nesting, at the top or inside a field, up to 100,000 levels (within the packet limit). */
const deepNesting: fc.Arbitrary<() => FuzzPayload> = fc
  .record({ depth: fc.integer({ min: 1, max: 100_000 }), shape: fc.constantFrom('array', 'object'), where: fc.constantFrom('top', 'value', 'measurements', 'extra', 'batchId') })
  .map(({ depth, shape, where }) => () => {
    const open = shape === 'array' ? '[' : '{"a":'
    const close = shape === 'array' ? ']' : '}'
    const levels = Math.min(depth, Math.floor(MAX_PAYLOAD_BYTES / (open.length + close.length)) - 100)
    const nested = `${open.repeat(levels)}1${close.repeat(levels)}`
    if (where === 'top') return { kind: `nesting-top-${shape}`, payload: encode(nested), batchId: null, goodIds: [] }
    const batchId = nextBatchId()
    const m = JSON.stringify(validMeasurement('m1'))
    const text = where === 'value'
      ? `{"batchId":"${batchId}","sentAt":"${new Date().toISOString()}","measurements":[${m.replace(/"value":[0-9.]+/, `"value":${nested}`)}]}`
      : where === 'measurements'
        ? `{"batchId":"${batchId}","sentAt":"${new Date().toISOString()}","measurements":${nested}}`
        : where === 'extra'
          ? `{"batchId":"${batchId}","sentAt":"${new Date().toISOString()}","measurements":[${m}],"extra":${nested}}`
          : `{"batchId":${nested},"sentAt":"${new Date().toISOString()}","measurements":[${m}]}`
    return { kind: `nesting-${where}-${shape}`, payload: encode(text), batchId: where === 'batchId' ? null : batchId, goodIds: [] }
  })

/** 3. A huge string in one field (or an extra one), up to the packet limit, of plain, escaped or multi-byte characters. */
const hugeString: fc.Arbitrary<() => FuzzPayload> = fc
  .record({ bytes: fc.integer({ min: 1024, max: MAX_PAYLOAD_BYTES - 400 }), char: fc.constantFrom('a', '\u0000', 'é', '\ud800', '😀', '"'), field: fc.constantFrom(...MEASUREMENT_FIELDS, 'batchId', 'sentAt') })
  .map(({ bytes, char, field }) => () => {
    const perChar = Buffer.byteLength(JSON.stringify(char)) - 2
    const big = char.repeat(Math.max(1, Math.floor(bytes / perChar)))
    return withBatchId(`huge-${field}`, (batchId) => {
      const m = validMeasurement('m1')
      if (field === 'batchId') return { batchId: big, sentAt: new Date().toISOString(), measurements: [m] }
      if (field === 'sentAt') return { batchId, sentAt: big, measurements: [m] }
      return { batchId, sentAt: new Date().toISOString(), measurements: [{ ...m, [field]: big }] }
    }, [], field !== 'batchId')
  })

/** 4 and 5. NUL, lone surrogates and friends, or a wrong type, at one field of the envelope or of a measurement. */
const badField: fc.Arbitrary<() => FuzzPayload> = fc
  .record({ level: fc.constantFrom('envelope', 'measurement'), envelopeField: fc.constantFrom(...ENVELOPE_FIELDS), measurementField: fc.constantFrom(...MEASUREMENT_FIELDS), value: fc.oneof(nastyString, wrongValue) })
  .map(({ level, envelopeField, measurementField, value }) => () => {
    if (level === 'envelope') {
      return withBatchId(`bad-envelope-${envelopeField}`, (batchId) => ({ batchId, sentAt: new Date().toISOString(), measurements: [validMeasurement('m1')], [envelopeField]: value }), [], envelopeField !== 'batchId')
    }
    return withBatchId(`bad-measurement-${measurementField}`, (batchId) => ({ batchId, sentAt: new Date().toISOString(), measurements: [{ ...validMeasurement('m1'), [measurementField]: value }] }))
  })

/** 6. A valid batch of several measurements, one of which has one bad field: the good ones must be stored. */
const oneBadAmongGood: fc.Arbitrary<() => FuzzPayload> = fc
  .record({ size: fc.integer({ min: 2, max: 30 }), bad: fc.nat(), field: fc.constantFrom(...MEASUREMENT_FIELDS.filter((f) => f !== 'id')), value: fc.oneof(nastyString, wrongValue) })
  .map(({ size, bad, field, value }) => () => {
    const badIndex = bad % size
    const measurements = Array.from({ length: size }, (_, i) => validMeasurement(`m${i + 1}`))
    const goodIds = measurements.filter((_, i) => i !== badIndex).map((m) => m.id as string)
    measurements[badIndex] = { ...measurements[badIndex], [field]: value }
    return withBatchId(`one-bad-${field}`, (batchId) => ({ batchId, sentAt: new Date().toISOString(), measurements }), goodIds)
  })

/**
 * Inputs found or named before, tried first on every run whatever the seed
 * (fast-check's `examples`): raw bytes with a NUL and not UTF-8 (the fuzz's
 * first finding, issue 14 defect 2), a batch id with a NUL (defect 2), and
 * `measurements` nested 100,000 arrays deep (the fuzz's second finding: the
 * rejection's raw value could not be written as JSON nor as a string, and
 * the flush was retried for ever).
 */
export const KNOWN_HOSTILE: (() => FuzzPayload)[] = [
  () => ({ kind: 'bytes-with-nul', payload: Buffer.from('f91e001aeb03888e', 'hex'), batchId: null, goodIds: [] }),
  () => withBatchId('nul-batch-id', (batchId) => ({ batchId: `${batchId}\u0000`, sentAt: new Date().toISOString(), measurements: [validMeasurement('m1')] }), [], false),
  () => withBatchId('nesting-measurements-array', (batchId) => `{"batchId":"${batchId}","sentAt":"${new Date().toISOString()}","measurements":${'['.repeat(100_000)}1${']'.repeat(100_000)}}`),
]

/**
 * Every kind, weighted towards the structured ones. A payload is built when
 * the run takes it (a thunk), so its ids and times are fresh on each run.
 */
export const fuzzPayload: fc.Arbitrary<() => FuzzPayload> = fc.oneof(
  { arbitrary: notABatch, weight: 2 },
  { arbitrary: deepNesting, weight: 1 },
  { arbitrary: hugeString, weight: 1 },
  { arbitrary: badField, weight: 4 },
  { arbitrary: oneBadAmongGood, weight: 3 },
)
