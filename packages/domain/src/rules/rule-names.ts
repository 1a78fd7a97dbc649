/**
 * The names of the condition profiles and the rule kinds, with no schema, so
 * a client (the portal, through @varde/api-contract) can list them without
 * loading zod. rule-set.ts builds the schemas from them.
 */

export const CONDITION_IDS = [
  'general',
  'copd',
  'heart-failure',
  'diabetes',
  'hypertension',
] as const
export type ConditionId = (typeof CONDITION_IDS)[number]

export const RULE_KINDS = [
  'threshold',
  'weight-gain',
  'baseline-deviation',
  'news2',
  'missed-measurement',
  'gateway-offline',
  'low-battery',
] as const
export type RuleKind = (typeof RULE_KINDS)[number]

/** The families the issue names; a kind belongs to one. */
export const RULE_FAMILY: Readonly<
  Record<RuleKind, 'threshold' | 'trend' | 'aggregate' | 'missed-measurement' | 'device-health'>
> = {
  threshold: 'threshold',
  'weight-gain': 'trend',
  'baseline-deviation': 'trend',
  news2: 'aggregate',
  'missed-measurement': 'missed-measurement',
  'gateway-offline': 'device-health',
  'low-battery': 'device-health',
}
