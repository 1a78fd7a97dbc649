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

/**
 * Readings grouped by measurement, in time order (ties: the order given).
 * Only readings of one time can share a measurement, so readings are put in
 * time order first and matched within each run of one time (a replay groups
 * 30 days of minute readings at once: no key string per reading).
 */
export function groupByMeasurement(readings: readonly Reading[]): MeasurementGroup[] {
  const sorted = readings.every((r, i) => i === 0 || (readings[i - 1] as Reading).measuredAt.getTime() <= r.measuredAt.getTime())
    ? readings
    : [...readings].sort((a, b) => a.measuredAt.getTime() - b.measuredAt.getTime())
  const groups: MeasurementGroup[] = []
  let runStart = 0
  for (const reading of sorted) {
    const t = reading.measuredAt.getTime()
    if (runStart < groups.length && (groups[runStart] as MeasurementGroup).at.getTime() !== t) runStart = groups.length
    let group: MeasurementGroup | undefined
    for (let i = runStart; i < groups.length && !group; i++) {
      const first = (groups[i] as MeasurementGroup).readings[0] as Reading
      if (first.deviceId === reading.deviceId && first.measurementId === reading.measurementId) group = groups[i]
    }
    if (group) group.readings.push(reading)
    else groups.push({ at: reading.measuredAt, readings: [reading] })
  }
  return groups
}
