import { describe, expect, it } from 'vitest'
import { judgeBatch, MAX_BATCH_BYTES, type BatchJudgement } from '../index.js'

const receivedAt = new Date('2026-11-22T07:31:06Z')

function batch(measurements: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    batchId: 'G-000123',
    sentAt: '2026-11-22T07:31:05Z',
    measurements,
    ...extra,
  })
}

function weight(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'm1',
    deviceId: 'AA:BB:CC:00:11:22',
    type: 'body-weight',
    value: 82.4,
    unit: 'kg',
    measuredAt: '2026-11-22T07:31:00Z',
    ...extra,
  }
}

function accepted(judgement: BatchJudgement) {
  if (!judgement.ok) throw new Error(`expected a batch, got ${JSON.stringify(judgement.receipt)}`)
  return judgement
}

describe('judgeBatch: the batch envelope', () => {
  it('accepts the example batch of the spec (decoded form)', () => {
    const j = accepted(judgeBatch(batch([weight()]), { receivedAt }))
    expect(j.batchId).toBe('G-000123')
    expect(j.sentAt.toISOString()).toBe('2026-11-22T07:31:05.000Z')
    expect(j.clockOffsetMs).toBe(1000)
    expect(j.isClockAdjusted).toBe(false)
    expect(j.rejected).toEqual([])
    expect(j.readings).toEqual([
      {
        measurementId: 'm1',
        deviceId: 'AA:BB:CC:00:11:22',
        type: 'body-weight',
        value: 82.4,
        unit: 'kg',
        originalValue: null,
        originalUnit: null,
        measuredAt: new Date('2026-11-22T07:31:00Z'),
        gatewayMeasuredAt: new Date('2026-11-22T07:31:00Z'),
        flags: [],
        battery: null,
        source: 'decoded',
      },
    ])
  })

  it('accepts the payload as UTF-8 bytes, with or without a byte order mark', () => {
    const bytes = new TextEncoder().encode(batch([weight()]))
    expect(accepted(judgeBatch(bytes, { receivedAt })).readings).toHaveLength(1)
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes])
    expect(accepted(judgeBatch(withBom, { receivedAt })).readings).toHaveLength(1)
  })

  it.each([
    ['not JSON', '{"batchId":', 'not valid JSON'],
    ['a JSON array', '[]', 'not a JSON object'],
    ['a JSON string', '"hello"', 'not a JSON object'],
    ['null', 'null', 'not a JSON object'],
    [
      'missing batchId',
      JSON.stringify({ sentAt: '2026-11-22T07:31:05Z', measurements: [weight()] }),
      'batchId',
    ],
    ['empty batchId', batch([weight()], { batchId: '' }), 'batchId'],
    ['numeric batchId', batch([weight()], { batchId: 123 }), 'batchId'],
    ['missing sentAt', JSON.stringify({ batchId: 'b', measurements: [weight()] }), 'sentAt'],
    ['sentAt without offset', batch([weight()], { sentAt: '2026-11-22T07:31:05' }), 'sentAt'],
    ['sentAt not a date', batch([weight()], { sentAt: '2026-02-30T07:31:05Z' }), 'sentAt'],
    ['measurements not an array', batch([], { measurements: { m1: weight() } }), 'measurements'],
    ['no measurements', batch([]), 'measurements'],
    [
      '501 measurements',
      batch(Array.from({ length: 501 }, (_, i) => weight({ id: `m${i}` }))),
      'measurements',
    ],
  ])('answers %s with malformed-batch and batchId null', (_name, payload, detailPart) => {
    const j = judgeBatch(payload, { receivedAt })
    expect(j.ok).toBe(false)
    if (j.ok) return
    expect(j.receipt.batchId).toBeNull()
    expect(j.receipt.error.code).toBe('malformed-batch')
    expect(j.receipt.error.detail).toContain(detailPart)
  })

  it('answers invalid UTF-8 with malformed-batch', () => {
    const j = judgeBatch(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), { receivedAt })
    expect(j).toEqual({
      ok: false,
      receipt: {
        batchId: null,
        error: { code: 'malformed-batch', detail: 'payload is not valid UTF-8' },
      },
    })
  })

  it('accepts exactly 500 measurements', () => {
    const ms = Array.from({ length: 500 }, (_, i) => weight({ id: `m${i}` }))
    expect(accepted(judgeBatch(batch(ms), { receivedAt })).readings).toHaveLength(500)
  })

  it('answers a payload over 256 KiB with too-large, counting UTF-8 bytes', () => {
    const filler = 'ø'.repeat(MAX_BATCH_BYTES / 2) // 2 bytes each in UTF-8
    const j = judgeBatch(batch([weight({ note: filler })]), { receivedAt })
    expect(j.ok).toBe(false)
    if (!j.ok) expect(j.receipt.error.code).toBe('too-large')
    const bytes = new Uint8Array(MAX_BATCH_BYTES + 1).fill(0x20)
    const k = judgeBatch(bytes, { receivedAt })
    expect(!k.ok && k.receipt.error.code).toBe('too-large')
  })

  it('ignores unknown fields, so the protocol can grow by optional fields', () => {
    const j = accepted(
      judgeBatch(batch([weight({ futureField: 1 })], { gatewayModel: 'x' }), { receivedAt }),
    )
    expect(j.readings).toHaveLength(1)
  })
})

describe('judgeBatch: each measurement on its own', () => {
  it.each([
    ['not an object', 42, null, 'invalid-field'],
    ['missing id', { ...weight(), id: undefined }, null, 'invalid-field'],
    ['numeric id', weight({ id: 7 }), null, 'invalid-field'],
    ['missing deviceId', weight({ deviceId: undefined }), 'm1', 'invalid-field'],
    ['empty deviceId', weight({ deviceId: '' }), 'm1', 'invalid-field'],
    [
      'measuredAt without offset',
      weight({ measuredAt: '2026-11-22T07:31:00' }),
      'm1',
      'invalid-field',
    ],
    ['measuredAt as a number', weight({ measuredAt: 1763796660000 }), 'm1', 'invalid-field'],
    ['measuredAt on Feb 30', weight({ measuredAt: '2026-02-30T07:31:00Z' }), 'm1', 'invalid-field'],
    ['battery over 100', weight({ battery: 101 }), 'm1', 'invalid-field'],
    ['battery as text', weight({ battery: '80' }), 'm1', 'invalid-field'],
    ['value as text', weight({ value: '82.4' }), 'm1', 'invalid-field'],
    ['missing unit', weight({ unit: undefined }), 'm1', 'invalid-field'],
    ['unknown type', weight({ type: 'body-fat' }), 'm1', 'unknown-type'],
    // the patient's own answers (ADR 0042) are no device type: a gateway cannot send them
    ['a CAT score from a gateway', weight({ type: 'cat-score', value: 12, unit: '{score}' }), 'm1', 'unknown-type'],
    ['a daily score from a gateway', weight({ type: 'wellbeing', value: 3, unit: '{score}' }), 'm1', 'unknown-type'],
    ['unit of another quantity', weight({ unit: 'Cel' }), 'm1', 'unit-mismatch'],
    ['unit not in UCUM spelling', weight({ unit: 'lb' }), 'm1', 'unit-mismatch'],
    [
      'both decoded and gatt',
      weight({ gatt: { characteristic: '2a9d', data: 'AA==' } }),
      'm1',
      'invalid-field',
    ],
    ['neither decoded nor gatt', { id: 'm1', deviceId: 'd' }, 'm1', 'invalid-field'],
    ['gatt not an object', { id: 'm1', deviceId: 'd', gatt: 'AAAA' }, 'm1', 'invalid-field'],
    ['weight far too high', weight({ value: 982.4 }), 'm1', 'out-of-range'],
    ['spo2 over 100', weight({ type: 'spo2', value: 101, unit: '%' }), 'm1', 'out-of-range'],
    [
      'measuredAt 6 min in the future',
      weight({ measuredAt: '2026-11-22T07:37:07Z' }),
      'm1',
      'future-time',
    ],
  ])('rejects %s', (_name, measurement, id, code) => {
    const good = weight({ id: 'ok' })
    const j = accepted(judgeBatch(batch([good, measurement]), { receivedAt }))
    expect(j.readings.map((r) => r.measurementId)).toEqual(['ok'])
    expect(j.rejected).toHaveLength(1)
    expect(j.rejected[0]).toMatchObject({ id, code, raw: JSON.parse(JSON.stringify(measurement)) })
    expect(j.rejected[0]?.detail).not.toBe('')
  })

  it('says which range a value fell outside, in the canonical unit', () => {
    const j = accepted(judgeBatch(batch([weight({ value: 982.4 })]), { receivedAt }))
    expect(j.rejected[0]?.detail).toBe('body-weight 982.4 kg outside 2–400')
  })

  it('checks the range after conversion, and names what was sent', () => {
    const j = accepted(judgeBatch(batch([weight({ value: 900, unit: '[lb_av]' })]), { receivedAt }))
    expect(j.rejected[0]?.detail).toBe('body-weight 408.233 kg (sent 900 [lb_av]) outside 2–400')
    // 800 lb = 362.87 kg: inside, although 800 > 400.
    const k = accepted(judgeBatch(batch([weight({ value: 800, unit: '[lb_av]' })]), { receivedAt }))
    expect(k.readings[0]?.value).toBe(362.874)
  })

  it('accepts the plausible range bounds inclusively', () => {
    const ms = [
      weight({ id: 'a', value: 2 }),
      weight({ id: 'b', value: 400 }),
      weight({ id: 'c', value: 1.999 }),
    ]
    const j = accepted(judgeBatch(batch(ms), { receivedAt }))
    expect(j.readings.map((r) => r.measurementId)).toEqual(['a', 'b'])
    expect(j.rejected.map((r) => r.id)).toEqual(['c'])
  })

  it('rejects every occurrence of an id used twice, and keeps the neighbours', () => {
    const ms = [weight({ id: 'x' }), weight({ id: 'y' }), weight({ id: 'x', value: 83 })]
    const j = accepted(judgeBatch(batch(ms), { receivedAt }))
    expect(j.readings.map((r) => r.measurementId)).toEqual(['y'])
    expect(j.rejected.map((r) => [r.id, r.code])).toEqual([
      ['x', 'invalid-field'],
      ['x', 'invalid-field'],
    ])
    expect(j.rejected[0]?.detail).toContain('occurs 2 times')
  })

  it('keeps the battery level of the device', () => {
    const j = accepted(judgeBatch(batch([weight({ battery: 87 })]), { receivedAt }))
    expect(j.readings[0]?.battery).toBe(87)
  })

  it('reads null optional fields as absent', () => {
    const m = weight({ battery: null, measuredAt: null, gatt: null })
    const j = accepted(judgeBatch(batch([m]), { receivedAt }))
    expect(j.readings[0]).toMatchObject({ battery: null, flags: ['time-from-receipt'] })
  })
})

describe('judgeBatch: units', () => {
  it.each([
    ['body-weight', 181.6, '[lb_av]', 82.372, 'kg'],
    ['body-weight', 82.4, 'kg', 82.4, 'kg'],
    ['body-temperature', 98.6, '[degF]', 37, 'Cel'],
    ['body-temperature', 37.2, 'Cel', 37.2, 'Cel'],
    ['bp-systolic', 16, 'kPa', 120, 'mm[Hg]'],
    ['bp-diastolic', 10.7, 'kPa', 80.3, 'mm[Hg]'],
    ['blood-glucose', 100, 'mg/dL', 5.55, 'mmol/L'],
    ['blood-glucose', 0.0055, 'mol/L', 5.5, 'mmol/L'],
    ['spo2', 97, '%', 97, '%'],
    ['pulse', 62, '/min', 62, '/min'],
    ['respiratory-rate', 16, '/min', 16, '/min'],
  ])('%s %s %s is stored as %s %s', (type, value, unit, canonicalValue, canonicalUnit) => {
    const j = accepted(judgeBatch(batch([weight({ type, value, unit })]), { receivedAt }))
    const converted = unit !== canonicalUnit
    expect(j.rejected).toEqual([])
    expect(j.readings[0]).toMatchObject({
      type,
      value: canonicalValue,
      unit: canonicalUnit,
      originalValue: converted ? value : null,
      originalUnit: converted ? unit : null,
    })
  })
})

describe('judgeBatch: time', () => {
  const at = (iso: string) => new Date(iso)

  it('keeps measuredAt with any offset, stored in UTC', () => {
    const j = accepted(
      judgeBatch(batch([weight({ measuredAt: '2026-11-22T08:31:00+01:00' })]), { receivedAt }),
    )
    expect(j.readings[0]?.measuredAt).toEqual(at('2026-11-22T07:31:00Z'))
    expect(j.readings[0]?.flags).toEqual([])
  })

  it('uses receive time when measuredAt is missing, and says so', () => {
    const j = accepted(judgeBatch(batch([weight({ measuredAt: undefined })]), { receivedAt }))
    expect(j.readings[0]?.measuredAt).toEqual(receivedAt)
    expect(j.readings[0]?.flags).toEqual(['time-from-receipt'])
  })

  it('tolerates a gateway clock off by up to 2 minutes', () => {
    const payload = batch([weight()], { sentAt: '2026-11-22T07:29:06Z' }) // exactly 2 min behind
    const j = accepted(judgeBatch(payload, { receivedAt }))
    expect(j.isClockAdjusted).toBe(false)
    expect(j.readings[0]?.measuredAt).toEqual(at('2026-11-22T07:31:00Z'))
  })

  it('shifts gateway-clock times by the offset when the clock is off by more than 2 minutes', () => {
    // Gateway clock 1 h behind: it says 06:31:05 when the platform says 07:31:06.
    const payload = batch(
      [weight({ measuredAt: '2026-11-22T06:30:00Z' }), weight({ id: 'm2', measuredAt: undefined })],
      {
        sentAt: '2026-11-22T06:31:05Z',
      },
    )
    const j = accepted(judgeBatch(payload, { receivedAt }))
    expect(j.isClockAdjusted).toBe(true)
    expect(j.clockOffsetMs).toBe(3_600_000 + 1000)
    expect(j.readings[0]?.measuredAt).toEqual(at('2026-11-22T07:30:01Z'))
    expect(j.readings[0]?.flags).toEqual(['clock-adjusted'])
    // the gateway's own time stays beside it: the second key compares that (migration 0039)
    expect(j.readings[0]?.gatewayMeasuredAt).toEqual(at('2026-11-22T06:30:00Z'))
    // Receive time is the platform's clock: not shifted, and no gateway time.
    expect(j.readings[1]?.measuredAt).toEqual(receivedAt)
    expect(j.readings[1]?.flags).toEqual(['time-from-receipt'])
    expect(j.readings[1]?.gatewayMeasuredAt).toBeUndefined()
  })

  it('judges future-time after clock correction', () => {
    // Gateway clock 1 h ahead: its measuredAt looks 1 h in the future, but is not.
    const payload = batch([weight({ measuredAt: '2026-11-22T08:31:00Z' })], {
      sentAt: '2026-11-22T08:31:05Z',
    })
    const j = accepted(judgeBatch(payload, { receivedAt }))
    expect(j.readings[0]?.measuredAt).toEqual(at('2026-11-22T07:31:01Z'))
    // A reading 10 min ahead of a correct clock is rejected.
    const k = accepted(
      judgeBatch(batch([weight({ measuredAt: '2026-11-22T07:41:06Z' })]), { receivedAt }),
    )
    expect(k.rejected[0]?.code).toBe('future-time')
    expect(k.rejected[0]?.detail).toContain('10 min after receive time')
  })

  it('accepts measuredAt up to 5 minutes ahead of receive time', () => {
    const j = accepted(
      judgeBatch(batch([weight({ measuredAt: '2026-11-22T07:36:06Z' })]), { receivedAt }),
    )
    expect(j.readings).toHaveLength(1)
  })

  it('flags a measurement more than 24 h old as late, and accepts it', () => {
    const ms = [
      weight({ id: 'old', measuredAt: '2026-11-21T07:31:05Z' }),
      weight({ id: 'day', measuredAt: '2026-11-21T07:31:06Z' }),
    ]
    const j = accepted(judgeBatch(batch(ms), { receivedAt }))
    expect(j.readings.map((r) => [r.measurementId, r.flags])).toEqual([
      ['old', ['late']],
      ['day', []],
    ])
  })
})

// issue 14: JSON may carry what the database cannot hold (NUL, lone surrogates, ids longer
// than an index entry); such a batch got no receipt and blocked every flush after it.
describe('judgeBatch: strings the platform cannot store', () => {
  it.each([
    ['a NUL in batchId', 'G-1\u0000'],
    ['a lone surrogate in batchId', 'G-\ud800'],
    ['a batchId of 257 characters', 'b'.repeat(257)],
  ])('answers %s with malformed-batch', (_name, batchId) => {
    const j = judgeBatch(batch([weight()], { batchId }), { receivedAt })
    expect(!j.ok && j.receipt.error.code).toBe('malformed-batch')
    expect(!j.ok && j.receipt.error.detail).toMatch(/^batchId: /)
  })

  it('accepts a batchId of 256 characters', () => {
    expect(accepted(judgeBatch(batch([weight()], { batchId: 'b'.repeat(256) }), { receivedAt })).readings).toHaveLength(1)
  })

  it.each([
    ['a NUL in id', { id: 'm\u0000' }, 'm\u0000'],
    ['a lone surrogate in id', { id: '\udc00' }, '\udc00'],
    ['an id of 257 characters', { id: 'm'.repeat(257) }, 'm'.repeat(257)],
    ['a NUL in deviceId', { deviceId: 'AA:BB\u0000' }, 'm1'],
    ['a lone surrogate in deviceId', { deviceId: 'AA:\ud83d' }, 'm1'],
    ['a deviceId of 257 characters', { deviceId: 'A'.repeat(257) }, 'm1'],
    ['a NUL in unit', { unit: 'kg\u0000' }, 'm1'],
    ['a lone surrogate in unit', { unit: '\ud800' }, 'm1'],
    ['a NUL in type', { type: 'body-weight\u0000' }, 'm1'],
    ['a NUL in gatt.characteristic', { type: undefined, value: undefined, unit: undefined, gatt: { characteristic: '2a9d\u0000', data: 'AA==' } }, 'm1'],
    ['a NUL in gatt.data', { type: undefined, value: undefined, unit: undefined, gatt: { characteristic: '2a9d', data: 'AA==\u0000' } }, 'm1'],
  ])('rejects %s as invalid-field, keeping its neighbour', (_name, extra, id) => {
    const j = accepted(judgeBatch(batch([weight({ id: 'm0' }), weight(extra)]), { receivedAt }))
    expect(j.readings.map((r) => r.measurementId)).toEqual(['m0'])
    expect(j.rejected).toEqual([expect.objectContaining({ id, code: 'invalid-field' })])
  })

  it('accepts a surrogate pair (an emoji) in an id', () => {
    const j = accepted(judgeBatch(batch([weight({ id: 'm-\ud83d\ude00' })]), { receivedAt }))
    expect(j.readings.map((r) => r.measurementId)).toEqual(['m-\ud83d\ude00'])
  })

  it('rounds the battery to a whole percent, as it is stored', () => {
    const j = accepted(judgeBatch(batch([weight({ battery: 87.5 })]), { receivedAt }))
    expect(j.readings[0]?.battery).toBe(88)
  })
})
