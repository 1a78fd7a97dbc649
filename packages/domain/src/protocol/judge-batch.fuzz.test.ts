import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  acceptedUnits,
  buildReceipt,
  encodeBase64,
  encodeBloodPressureMeasurement,
  encodePlxSpotCheckMeasurement,
  encodeWeightMeasurement,
  gattMeasurement,
  FUTURE_TOLERANCE_MS,
  isStorableText,
  judgeBatch,
  MAX_ID_LENGTH,
  malformedReceiptSchema,
  PROTOCOL_ERROR_CODES,
  receiptSchema,
  VITAL_TYPE_NAMES,
  VITAL_TYPES,
  type BatchJudgement,
} from '../index.js'

// judgeBatch never throws, and every outcome is well-formed: readings that
// passed every check, or coded rejections, or a malformed receipt.

const receivedAt = new Date('2026-11-22T07:31:06Z')

function checkJudgement(j: BatchJudgement, measurementCount?: number): void {
  if (!j.ok) {
    expect(malformedReceiptSchema.parse(j.receipt)).toEqual(j.receipt)
    expect(['malformed-batch', 'too-large']).toContain(j.receipt.error.code)
    return
  }
  // what is stored of an accepted reading is text the database can hold (storable-text.ts)
  expect(isStorableText(j.batchId) && j.batchId.length <= MAX_ID_LENGTH).toBe(true)
  for (const r of j.readings) {
    for (const text of [r.measurementId, r.deviceId, r.unit, r.originalUnit ?? '']) expect(isStorableText(text)).toBe(true)
    expect(Math.max(r.measurementId.length, r.deviceId.length)).toBeLessThanOrEqual(MAX_ID_LENGTH)
    if (r.battery !== null) expect(Number.isInteger(r.battery)).toBe(true)
    const { min, max } = VITAL_TYPES[r.type].plausible
    expect(r.unit).toBe(VITAL_TYPES[r.type].unit)
    expect(r.value).toBeGreaterThanOrEqual(min)
    expect(r.value).toBeLessThanOrEqual(max)
    expect(Number.isNaN(r.measuredAt.getTime())).toBe(false)
    expect(r.measuredAt.getTime()).toBeLessThanOrEqual(receivedAt.getTime() + FUTURE_TOLERANCE_MS)
  }
  for (const r of j.rejected) {
    expect(PROTOCOL_ERROR_CODES).toContain(r.code)
    expect(r.detail.length).toBeGreaterThan(0)
  }
  const acceptedIds = new Set(j.readings.map((r) => r.measurementId))
  for (const r of j.rejected) if (r.id !== null) expect(acceptedIds.has(r.id)).toBe(false)
  if (measurementCount !== undefined) {
    // Each measurement is judged: accepted (one or more readings) or rejected once.
    expect(acceptedIds.size + j.rejected.length).toBe(measurementCount)
  }
  expect(receiptSchema.parse(buildReceipt(j))).toBeTruthy()
}

/** The first arbitrary 9 times in 10, else the second. */
function mostly<T, U>(usual: fc.Arbitrary<T>, rare: fc.Arbitrary<U>): fc.Arbitrary<T | U> {
  return fc.oneof({ arbitrary: usual, weight: 9 }, { arbitrary: rare, weight: 1 })
}

const isoNear = fc
  .oneof(fc.integer({ min: -3 * 86_400_000, max: 0 }), fc.integer({ min: 0, max: 3_600_000 }))
  .map((delta) => new Date(receivedAt.getTime() + delta).toISOString())
const isoText = fc.oneof(
  isoNear,
  isoNear.map((iso) => iso.replace('Z', '+02:00')),
  isoNear.map((iso) => iso.replace('Z', '')),
  fc.string(),
)

const anyType = fc.oneof(fc.constantFrom(...VITAL_TYPE_NAMES), fc.string())
const decodedFields = anyType.chain((type) =>
  fc.record(
    {
      type: mostly(fc.constant(type), fc.jsonValue()),
      value: fc.oneof(
        fc.integer({ min: 20, max: 100 }),
        fc.double({ min: -100, max: 1000, noNaN: true }),
        fc.integer({ min: 0, max: 300 }),
        fc.jsonValue(),
      ),
      unit: fc.oneof(
        fc.constantFrom(
          ...((VITAL_TYPE_NAMES as readonly string[]).includes(type)
            ? acceptedUnits(type as never)
            : ['kg']),
        ),
        fc.constantFrom('kg', 'Cel', 'mm[Hg]', '%', 'lb', 'mmHg'),
        fc.string(),
      ),
    },
    { requiredKeys: [] },
  ),
)
const gattFields = fc.record({
  gatt: fc.oneof(
    fc.record({
      characteristic: fc.oneof(
        fc.constantFrom('2a9d', '2a35', '2a5e', '2a5f', '2a1c', '2a18'),
        fc.string(),
      ),
      data: fc.oneof(fc.uint8Array({ maxLength: 24 }).map(encodeBase64), fc.string()),
    }),
    fc.oneof(
      fc
        .integer({ min: 0, max: 0xfffe })
        .map((raw) => gattMeasurement('2a9d', encodeWeightMeasurement({ kg: raw / 200 }))),
      fc
        .tuple(fc.integer({ min: 30, max: 110 }), fc.integer({ min: 10, max: 320 }))
        .map(([spo2, pulse]) =>
          gattMeasurement('2a5e', encodePlxSpotCheckMeasurement({ spo2, pulse })),
        ),
      fc
        .tuple(fc.integer({ min: 30, max: 330 }), fc.integer({ min: 10, max: 220 }), fc.boolean())
        .map(([systolic, diastolic, kPa]) =>
          gattMeasurement(
            '2a35',
            encodeBloodPressureMeasurement(
              kPa
                ? { systolic: systolic / 7.5, diastolic: diastolic / 7.5, map: 0, unit: 'kPa' }
                : { systolic, diastolic, map: 0, unit: 'mmHg', pulse: 70 },
            ),
          ),
        ),
    ),
    fc.jsonValue(),
  ),
})

const measurement: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.record(
      {
        id: mostly(fc.constantFrom('m1', 'm2', 'm3', 'm4', 'm5', 'm6'), fc.jsonValue()),
        deviceId: mostly(fc.constant('AA:BB'), fc.jsonValue()),
        measuredAt: isoText,
        battery: fc.oneof(fc.integer({ min: -5, max: 105 }), fc.jsonValue()),
      },
      { requiredKeys: ['id', 'deviceId'] },
    ),
    fc.oneof(
      decodedFields,
      gattFields,
      fc.tuple(decodedFields, gattFields).map(([a, b]) => ({ ...a, ...b })),
    ),
  )
  .map(([common, form]) => ({ ...common, ...form }))

describe('judgeBatch never throws', () => {
  it('on structured, mostly plausible batches', () => {
    fc.assert(
      fc.property(
        fc.array(mostly(measurement, fc.jsonValue()), { minLength: 1, maxLength: 12 }),
        fc.oneof(isoNear, isoText),
        (measurements, sentAt) => {
          const payload = JSON.stringify({ batchId: 'G-1', sentAt, measurements })
          const j = judgeBatch(payload, { receivedAt })
          checkJudgement(j, j.ok ? measurements.length : undefined)
        },
      ),
      { numRuns: 400 },
    )
  })

  it('on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        checkJudgement(judgeBatch(JSON.stringify(value) ?? '', { receivedAt }))
      }),
      { numRuns: 300 },
    )
  })

  it('on any string and any bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.uint8Array()),
        (payload) => {
          checkJudgement(judgeBatch(payload, { receivedAt }))
        },
      ),
      { numRuns: 300 },
    )
  })
})

/** Strings as a hostile or broken gateway sends them: NUL, lone surrogates, very long. */
const hostileText = fc.oneof(
  fc.string({ unit: fc.oneof(fc.constantFrom('\u0000', '\ud800', '\udfff', '\ud83d\ude00', 'a', ':'), fc.string({ unit: 'binary', maxLength: 1 })) }),
  fc.constantFrom('m1', 'AA:BB', 'kg', 'body-weight', '2a9d').chain((usual) =>
    fc.constantFrom('\u0000', '\ud800', '\udc00').map((bad) => usual + bad)),
  fc.integer({ min: MAX_ID_LENGTH - 1, max: MAX_ID_LENGTH + 2 }).map((n) => 'x'.repeat(n)),
)

describe('judgeBatch answers strings the database cannot hold', () => {
  it('with a coded rejection, never a reading or batch id that cannot be stored', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant('G-1'), hostileText),
        fc.array(
          fc.record({
            id: fc.oneof(fc.constantFrom('m1', 'm2', 'm3'), hostileText),
            deviceId: fc.oneof(fc.constant('AA:BB'), hostileText),
            type: fc.oneof(fc.constant('body-weight'), hostileText),
            value: fc.constant(82.4),
            unit: fc.oneof(fc.constant('kg'), hostileText),
            battery: fc.oneof(fc.constant(50), fc.double({ min: 0, max: 100, noNaN: true })),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        (batchId, measurements) => {
          const payload = JSON.stringify({ batchId, sentAt: receivedAt.toISOString(), measurements })
          const j = judgeBatch(payload, { receivedAt })
          checkJudgement(j, j.ok ? measurements.length : undefined)
          const isBatchIdStorable = isStorableText(batchId) && batchId.length >= 1 && batchId.length <= MAX_ID_LENGTH
          expect(j.ok).toBe(isBatchIdStorable)
          if (!j.ok) expect(j.receipt.error.code).toBe('malformed-batch')
        },
      ),
      { numRuns: 500 },
    )
  })
})

describe('the fuzz generator', () => {
  it('reaches every outcome, not only the first checks', () => {
    const seen = new Set<string>()
    const batches = fc.sample(fc.array(measurement, { minLength: 1, maxLength: 12 }), {
      seed: 42,
      numRuns: 300,
    })
    for (const measurements of batches) {
      const j = judgeBatch(
        JSON.stringify({ batchId: 'G-1', sentAt: receivedAt.toISOString(), measurements }),
        { receivedAt },
      )
      if (!j.ok) continue
      j.rejected.forEach((r) => seen.add(r.code))
      j.readings.forEach((r) => seen.add(`${r.source} reading`))
    }
    expect([...seen].sort()).toEqual([
      'decoded reading',
      'future-time',
      'gatt reading',
      'gatt-decode',
      'gatt-unsupported',
      'invalid-field',
      'out-of-range',
      'unit-mismatch',
      'unknown-type',
    ])
  })
})
