import { z } from 'zod'
import { alertSchema } from './alerts.js'
import { measurementSchema } from './patients.js'

/**
 * GET /api/events (Server-Sent Events). `measurement`: readings stored for
 * one patient; `alert`: an alert created or changed, as GET /api/alerts shows it.
 */
export const measurementEventSchema = z.object({
  patientId: z.string(),
  readings: z.array(measurementSchema),
})
export type MeasurementEvent = z.infer<typeof measurementEventSchema>

export const alertEventSchema = z.object({ alert: alertSchema })
export type AlertEvent = z.infer<typeof alertEventSchema>
