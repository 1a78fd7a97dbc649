import type { Reading } from '../protocol/types.js'
import type { ReadingRef } from './alert.js'

/**
 * The readings of one measurement: one device, one measurement id, one time
 * (a blood-pressure cuff gives systolic, diastolic and pulse at once). Rules
 * judge a measurement as a whole, so one cuff reading is one finding, not three.
 */
export interface MeasurementGroup {
  at: Date
  readings: Reading[]
}

export function toReadingRef(reading: Reading): ReadingRef {
  return {
    type: reading.type,
    value: reading.value,
    unit: reading.unit,
    measuredAt: reading.measuredAt,
    measurementId: reading.measurementId,
    deviceId: reading.deviceId,
  }
}

/** Identity of a stored reading, to drop a reading given both as new and as history. */
export function readingIdentity(reading: Reading): string {
  return `${reading.deviceId}\u0000${reading.measurementId}\u0000${reading.type}\u0000${reading.measuredAt.getTime()}`
}

/** Readings grouped by measurement, in time order (ties: the order given). */
export function groupByMeasurement(readings: readonly Reading[]): MeasurementGroup[] {
  const groups = new Map<string, MeasurementGroup>()
  for (const reading of readings) {
    const key = `${reading.deviceId}\u0000${reading.measurementId}\u0000${reading.measuredAt.getTime()}`
    const group = groups.get(key)
    if (group) group.readings.push(reading)
    else groups.set(key, { at: reading.measuredAt, readings: [reading] })
  }
  return [...groups.values()].sort((a, b) => a.at.getTime() - b.at.getTime())
}
