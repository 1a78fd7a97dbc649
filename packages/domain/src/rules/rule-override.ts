import { z } from 'zod'
import { clinicianRefSchema, RULE_KINDS } from './rule-set.js'

/**
 * A clinician's change to one rule for one patient. Versioned: each change is
 * a new row with the next `version`, never an update, so every alert can name
 * the exact rule version that raised it. Storage is the caller's; this is the
 * shape to validate at the edge (HTTP body, database row).
 *
 * `params` holds only what changes, merged over the defaults: top-level keys
 * replace the default's; for threshold rules, `vitals` entries merge by
 * `vital` (a band given replaces that band whole). A rule the patient's
 * profiles lack is taken from the catalogue of all profiles, or, with `kind`
 * and complete `params`, created (e.g. an extra `missed:spo2` schedule).
 */
export const ruleOverrideSchema = z.object({
  ruleId: z.string().min(1).max(100),
  version: z.int().positive(),
  kind: z.enum(RULE_KINDS).optional(),
  params: z.record(z.string(), z.unknown()).default({}),
  /** false switches the rule off for this patient (kept, so the list shows it off). */
  isEnabled: z.boolean().optional(),
  setBy: clinicianRefSchema,
  setAt: z.coerce.date(),
  reason: z.string().max(500).nullish(),
})
export type RuleOverride = z.infer<typeof ruleOverrideSchema>
export type RuleOverrideInput = z.input<typeof ruleOverrideSchema>
