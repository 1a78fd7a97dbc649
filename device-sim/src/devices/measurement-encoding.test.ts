import { decodeGattBase64, measurementBatchSchema, type Measurement } from '@varde/domain'
import { describe, expect, it } from 'vitest'
import { createDevices, DEVICE_KINDS, defaultDeviceId, type SimDevice } from './device-kinds.js'
import { encodeDeviceReading, type DeviceReading } from './measurement-encoding.js'

const at = new Date('2026-11-22T07:31:00Z')
const values: DeviceReading['values'] = {
  'body-weight': 82.4, spo2: 94, pulse: 71, 'bp-systolic': 138, 'bp-diastolic': 86, 'body-temperature': 37.2, 'blood-glucose': 6.4,
}
const device = (kind: SimDevice['kind'], encoding: SimDevice['encoding']): SimDevice => ({ kind, deviceId: `dev-${kind}`, encoding, battery: 77 })
let n = 0
const context = { stampTime: (d: Date) => d.toISOString(), idFor: (suffix: string) => `${suffix}#${++n}`, localOffsetMinutes: () => 60 }

describe('encodeDeviceReading', () => {
  it('sends decoded readings, one per value, in canonical units, with the device battery', () => {
    const measurements = encodeDeviceReading({ device: device('bp-monitor', 'decoded'), at, values }, context)
    expect(measurements.map((m) => [m.type, m.value, m.unit])).toEqual([
      ['bp-systolic', 138, 'mm[Hg]'],
      ['bp-diastolic', 86, 'mm[Hg]'],
      ['pulse', 71, '/min'],
    ])
    expect(measurements[0]).toMatchObject({ deviceId: 'dev-bp-monitor', measuredAt: at.toISOString(), battery: 77 })
  })

  it.each(DEVICE_KINDS)('sends the raw characteristic of a %s, which decodes back to the same values', (kind) => {
    const [measurement] = encodeDeviceReading({ device: device(kind, 'gatt'), at, values }, context)
    const gatt = (measurement as Measurement & { gatt: { characteristic: string; data: string } }).gatt
    const decoded = decodeGattBase64(gatt.characteristic, gatt.data)
    for (const vital of decoded.vitals) {
      const expected = vital.type === 'blood-glucose' ? (values['blood-glucose'] as number) / 1000 : values[vital.type]
      expect(vital.value, vital.type).toBeCloseTo(expected as number, 6)
    }
    expect(decoded.vitals.length).toBeGreaterThan(0)
  })

  it('produces measurements a well-formed batch accepts', () => {
    const measurements = DEVICE_KINDS.flatMap((kind) =>
      (['decoded', 'gatt'] as const).flatMap((encoding) => encodeDeviceReading({ device: device(kind, encoding), at, values }, context)),
    )
    expect(measurementBatchSchema.safeParse({ batchId: 'b', sentAt: at.toISOString(), measurements }).success).toBe(true)
  })
})

describe('devices of a home', () => {
  it('have stable BLE-like ids per gateway and kind, fresh ones per label', () => {
    expect(defaultDeviceId('demo-gw-001', 'scale')).toMatch(/^D0:5A:[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2}:01$/)
    expect(defaultDeviceId('demo-gw-001', 'scale')).toBe(defaultDeviceId('demo-gw-001', 'scale'))
    expect(defaultDeviceId('demo-gw-001', 'scale')).not.toBe(defaultDeviceId('demo-gw-002', 'scale'))
    expect(defaultDeviceId('demo-gw-001', 'scale', 'run-1')).not.toBe(defaultDeviceId('demo-gw-001', 'scale'))
  })

  it('mix decoded and GATT unless told, with a battery level', () => {
    const homes = Array.from({ length: 10 }, (_, i) => createDevices(`gw-${i}`, DEVICE_KINDS))
    const encodings = new Set(homes.flat().map((d) => d.encoding))
    expect(encodings).toEqual(new Set(['decoded', 'gatt']))
    expect(homes.flat().every((d) => d.battery !== null && d.battery >= 60 && d.battery <= 100)).toBe(true)
    expect(createDevices('gw', ['scale', 'scale'], { encoding: 'gatt' })).toHaveLength(1)
  })
})
