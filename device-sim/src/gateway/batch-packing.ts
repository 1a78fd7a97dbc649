import { MAX_BATCH_BYTES, MAX_MEASUREMENTS_PER_BATCH, type Measurement } from '@varde/domain'
import { encodeDeviceReading, type DeviceReading, type EncodeContext } from '../devices/measurement-encoding.js'

/** Room left in a packet for the envelope (`batchId`, `sentAt`) and the MQTT header. */
const ENVELOPE_RESERVE_BYTES = 4 * 1024

/**
 * Turns device readings into measurements with ids unique within their batch
 * and stable for the same reading (`scale.body-weight@m3k2x1`: device, value
 * and second of measurement), so the same reading sent again under the same
 * batchId is recognised as a duplicate. Splits them into batches within the
 * protocol's limits: ≤ `maxPerBatch` (≤ 500) measurements, ≤ 256 KiB.
 */
export function packReadings(
  readings: readonly DeviceReading[],
  context: Omit<EncodeContext, 'idFor'>,
  maxPerBatch = MAX_MEASUREMENTS_PER_BATCH,
): Measurement[][] {
  const limit = Math.max(1, Math.min(maxPerBatch, MAX_MEASUREMENTS_PER_BATCH))
  const batches: Measurement[][] = []
  let current: Measurement[] = []
  let bytes = 0
  let used = new Set<string>()
  for (const reading of readings) {
    const second = Math.floor(reading.at.getTime() / 1000).toString(36)
    const measurements = encodeDeviceReading(reading, {
      ...context,
      idFor(suffix) {
        const base = `${suffix}@${second}`
        let id = base
        for (let n = 2; used.has(id); n++) id = `${base}.${n}`
        used.add(id)
        return id
      },
    })
    const size = measurements.reduce((sum, m) => sum + Buffer.byteLength(JSON.stringify(m)) + 1, 0)
    // One reading's measurements stay together (its GATT value or its decoded values).
    if (current.length > 0 && (current.length + measurements.length > limit || bytes + size > MAX_BATCH_BYTES - ENVELOPE_RESERVE_BYTES)) {
      batches.push(current)
      current = []
      bytes = 0
      const carried = new Set(measurements.map((m) => m.id))
      used = carried
    }
    current.push(...measurements)
    bytes += size
  }
  if (current.length > 0) batches.push(current)
  return batches
}
