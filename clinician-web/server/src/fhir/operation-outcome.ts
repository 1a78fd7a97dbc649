import type { OperationOutcome } from '@medplum/fhirtypes'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { apiCodeOf, codeForStatus, fhirIssueFor, isApiFailure } from '../errors/api-errors.js'

type Issue = OperationOutcome['issue'][number]

export function operationOutcome(code: Issue['code'], diagnostics: string, severity: Issue['severity'] = 'error'): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics }] }
}

/**
 * A failure as FHIR answers it: the status and an OperationOutcome whose
 * issue type is the registry's for the failure's code (errors/api-errors.ts
 * `fhirIssueFor`), so the JSON API and FHIR refuse from one table. A failure
 * no one foresaw is a 500 whose message is never shown (`isUnforeseen`: the
 * caller logs it).
 */
export function outcomeOf(error: Error): { status: number; outcome: OperationOutcome; isUnforeseen: boolean } {
  if (hasZodFastifySchemaValidationErrors(error)) return { status: 400, outcome: operationOutcome('value', error.message), isUnforeseen: false }
  const status = isApiFailure(error) ? error.statusCode : ((error as { statusCode?: number }).statusCode ?? 500)
  if (status >= 500) return { status: 500, outcome: operationOutcome('exception', 'Internal error', 'fatal'), isUnforeseen: true }
  const code = isApiFailure(error) ? apiCodeOf(error) : codeForStatus(status)
  return { status, outcome: operationOutcome(fhirIssueFor(code) as Issue['code'], error.message), isUnforeseen: false }
}
