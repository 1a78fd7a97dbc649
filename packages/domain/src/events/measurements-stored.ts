import { z } from 'zod'
import type { MeasurementsStoredEvent } from '../topics.js'

/** One patient's readings in a message on `INTERNAL_TOPICS.measurementsStored`. */
export const measurementsStoredEventSchema = z.object({
  tenantId: z.string().min(1),
  patientId: z.string().min(1),
  gatewayId: z.string().min(1),
  readings: z.array(z.object({
    id: z.string(), type: z.string(), value: z.number(), unit: z.string(), measuredAt: z.string(), flags: z.array(z.string()),
  })),
}) satisfies z.ZodType<MeasurementsStoredEvent>

/**
 * A message on `INTERNAL_TOPICS.measurementsStored` as the server reads it:
 * the readings of a flush, by patient (`measurementsStoredMessages`), or one
 * event alone (an ingest of before).
 */
export const measurementsStoredMessageSchema = z.union([
  z.array(measurementsStoredEventSchema),
  measurementsStoredEventSchema.transform((event) => [event]),
])

/** A reading as stored, with whose it is: what `measurementsStoredEvents` groups. */
export interface ReadingForEvent {
  tenantId: string
  patientId: string
  gatewayId: string
  reading: MeasurementsStoredEvent['readings'][number]
}

/**
 * The events of a flush, one per patient, in the order their first reading
 * came (the one way to build `MeasurementsStoredEvent`s; send them with
 * `measurementsStoredMessages`).
 */
export function measurementsStoredEvents(stored: Iterable<ReadingForEvent>): MeasurementsStoredEvent[] {
  const byPatient = new Map<string, MeasurementsStoredEvent>()
  for (const s of stored) {
    const key = `${s.tenantId}/${s.patientId}`
    let event = byPatient.get(key)
    if (!event) {
      event = { tenantId: s.tenantId, patientId: s.patientId, gatewayId: s.gatewayId, readings: [] }
      byPatient.set(key, event)
    }
    event.readings.push(s.reading)
  }
  return [...byPatient.values()]
}

/** A stored reading as the event carries it: the database's id, times as ISO text. */
export function storedReadingOf(
  id: string, reading: { type: string; value: number; unit: string; measuredAt: Date; flags: readonly string[] },
): MeasurementsStoredEvent['readings'][number] {
  return { id, type: reading.type, value: reading.value, unit: reading.unit, measuredAt: reading.measuredAt.toISOString(), flags: [...reading.flags] }
}
