export const RULE_ERROR_CODES = ['unknown-rule', 'invalid-override', 'invalid-time-zone'] as const
export type RuleErrorCode = (typeof RULE_ERROR_CODES)[number]

/** The one typed error of the rules engine: a code and a human-readable detail. */
export class RuleError extends Error {
  readonly code: RuleErrorCode
  readonly detail: string
  constructor(code: RuleErrorCode, detail: string) {
    super(`${code}: ${detail}`)
    this.name = 'RuleError'
    this.code = code
    this.detail = detail
  }
}
