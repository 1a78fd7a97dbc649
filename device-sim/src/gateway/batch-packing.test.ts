import { describe, expect, it } from 'vitest'
import type { SimDevice } from '../devices/device-kinds.js'
import type { DeviceReading } from '../devices/measurement-encoding.js'
import { packReadings } from './batch-packing.js'

const scale: SimDevice = { kind: 'scale', deviceId: 'S', encoding: 'decoded', battery: 50 }
const bp: SimDevice = { kind: 'bp-monitor', deviceId: 'B', encoding: 'decoded', battery: null }
const context = { stampTime: (d: Date) => d.toISOString() }
const reading = (device: SimDevice, second: number): DeviceReading => ({
  device,
  at: new Date(Date.UTC(2026, 10, 22, 7, 0, second)),
  values: device.kind === 'scale' ? { 'body-weight': 80 } : { 'bp-systolic': 130, 'bp-diastolic': 80, pulse: 70 },
})

describe('packReadings', () => {
  it('gives ids that are unique in the batch and the same for the same reading', () => {
    const readings = [reading(scale, 0), reading(scale, 0), reading(bp, 1)]
    const [batch] = packReadings(readings, context)
    const ids = (batch ?? []).map((m) => m.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids[0]).toBe(`scale.body-weight@${Math.floor(readings[0]!.at.getTime() / 1000).toString(36)}`)
    expect(packReadings(readings, context)).toEqual(packReadings(readings, context))
  })

  it('splits at the batch limit without splitting one reading', () => {
    const readings = [reading(bp, 0), reading(bp, 1), reading(bp, 2), reading(scale, 3)]
    const batches = packReadings(readings, context, 5)
    expect(batches.map((b) => b.length)).toEqual([3, 3, 4])
    expect(packReadings(Array.from({ length: 1200 }, (_, i) => reading(scale, i)), context).map((b) => b.length)).toEqual([500, 500, 200])
  })

  it('packs nothing into no batches', () => {
    expect(packReadings([], context)).toEqual([])
  })
})
