import { describe, expect, it } from 'vitest'
import {
  buildReceipt,
  commandSchema,
  encodeBloodPressureMeasurement,
  gatewayStatusSchema,
  gattMeasurement,
  judgeBatch,
  measurementBatchSchema,
  receiptSchema,
  syncClockCommand,
} from '../index.js'

const receivedAt = new Date('2026-11-22T07:31:06Z')

const batch = {
  batchId: 'G-000123',
  sentAt: '2026-11-22T07:31:05Z',
  measurements: [
    {
      id: 'm1',
      deviceId: 'AA:BB:CC:00:11:22',
      type: 'body-weight',
      value: 982.4,
      unit: 'kg',
      measuredAt: '2026-11-22T07:31:00Z',
    },
    {
      id: 'm2',
      deviceId: 'AA:BB:CC:00:11:33',
      gatt: gattMeasurement(
        '2a35',
        encodeBloodPressureMeasurement({
          systolic: 121,
          diastolic: 79,
          map: 93,
          unit: 'mmHg',
          pulse: 62,
        }),
      ),
    },
    { id: 'm3', deviceId: 'AA:BB:CC:00:11:22', type: 'spo2', value: 97, unit: '%' },
  ],
}

function judged() {
  const j = judgeBatch(JSON.stringify(batch), { receivedAt })
  if (!j.ok) throw new Error('expected a batch')
  return j
}

describe('buildReceipt', () => {
  it('answers the example of the spec: each id once, in one list', () => {
    const receipt = buildReceipt(judged())
    expect(receipt).toEqual({
      batchId: 'G-000123',
      accepted: ['m2', 'm3'],
      duplicate: [],
      rejected: [{ id: 'm1', code: 'out-of-range', detail: 'body-weight 982.4 kg outside 2–400' }],
    })
    expect(receiptSchema.parse(receipt)).toEqual(receipt)
  })

  it('moves ids stored by an earlier delivery to duplicate, and adds rejections made outside the domain', () => {
    const receipt = buildReceipt(judged(), {
      duplicate: ['m2'],
      extraRejected: [
        { id: 'm3', code: 'unknown-device', detail: 'device AA:BB:CC:00:11:22 is not paired' },
      ],
    })
    expect(receipt).toMatchObject({ accepted: [], duplicate: ['m2'] })
    expect(receipt.rejected.map((r) => [r.id, r.code])).toEqual([
      ['m1', 'out-of-range'],
      ['m3', 'unknown-device'],
    ])
  })
})

describe('payload schemas', () => {
  it('accepts the batch of the spec as a well-formed batch', () => {
    expect(measurementBatchSchema.safeParse(batch).success).toBe(true)
  })

  it('refuses a batch with both forms in one measurement, or a repeated id', () => {
    const both = {
      ...batch,
      measurements: [{ ...batch.measurements[0], gatt: { characteristic: '2a9d', data: 'AGBA' } }],
    }
    expect(measurementBatchSchema.safeParse(both).success).toBe(false)
    const repeated = { ...batch, measurements: [batch.measurements[0], batch.measurements[0]] }
    expect(measurementBatchSchema.safeParse(repeated).success).toBe(false)
  })

  it.each([
    [{ state: 'online', firmware: '1.2.3', battery: 87 }, true],
    [{ state: 'offline' }, true],
    [{ state: 'sleeping' }, false],
    [{ state: 'online', battery: 120 }, false],
    [{ state: 'online', firmware: '1.2\u0000' }, false],
    [{ state: 'online', firmware: '\ud800' }, false],
    [{ state: 'online', firmware: 'f'.repeat(257) }, false],
  ])('gateway status %j valid: %s', (status, isValid) => {
    expect(gatewayStatusSchema.safeParse(status).success).toBe(isValid)
  })

  it('reads a gateway battery as a whole percent, as it is stored', () => {
    expect(gatewayStatusSchema.parse({ state: 'online', battery: 87.5 })).toEqual({ state: 'online', battery: 88 })
  })

  it('builds a valid sync-clock command', () => {
    const command = syncClockCommand(new Date('2026-11-22T07:31:06Z'))
    expect(command).toEqual({ command: 'sync-clock', now: '2026-11-22T07:31:06.000Z' })
    expect(commandSchema.parse(command)).toEqual(command)
    expect(commandSchema.safeParse({ command: 'reboot' }).success).toBe(false)
  })
})
