import { z } from 'zod'

/**
 * What a flow's *raise alert* node publishes on `INTERNAL_TOPICS.flowAlerts`
 * and Varde's intake accepts (alert-intake.ts): a rule the flow defined,
 * explained (a summary in both languages, the numbers it computed, the
 * readings it judged) and keyed, so a repeat counts on the open alert.
 * The tenant is not in it: the intake serves one tenant's runtime.
 */
export const flowAlertRequestSchema = z.object({
  flowId: z.string().regex(/^[0-9a-f]{16}$|^[A-Za-z0-9._-]{1,64}$/),
  flowName: z.string().min(1).max(100),
  patientId: z.guid(),
  key: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, . _ - (1 to 64)'),
  severity: z.enum(['red', 'yellow']),
  summary: z.object({ nb: z.string().min(1).max(300), en: z.string().min(1).max(300) }),
  measures: z.record(z.string().max(60), z.number().finite()).refine((m) => Object.keys(m).length <= 20, 'at most 20 measures').default({}),
  readingIds: z.array(z.guid()).max(50).default([]),
  triggeredAt: z.iso.datetime({ offset: true }),
}).strict()

export type FlowAlertRequest = z.input<typeof flowAlertRequestSchema>
export type ValidFlowAlertRequest = z.output<typeof flowAlertRequestSchema>
