import { z } from 'zod'
import type { CareTeamChangedEvent } from '../topics.js'

/** A `CareTeamChangedEvent` as it crosses the internal bus. */
export const careTeamChangedEventSchema = z.object({
  tenantId: z.string().min(1),
  patientId: z.string().min(1),
}) satisfies z.ZodType<CareTeamChangedEvent>

/** The one way to build the event on `INTERNAL_TOPICS.careTeamChanged`. */
export function careTeamChangedEvent(facts: CareTeamChangedEvent): CareTeamChangedEvent {
  return careTeamChangedEventSchema.parse({ tenantId: facts.tenantId, patientId: facts.patientId })
}
