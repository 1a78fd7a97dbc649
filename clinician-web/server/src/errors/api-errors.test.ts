import { describe, expect, it } from 'vitest'
import { ALERT_FAILURES, apiCodeOf, CARE_TEAM_FAILURES, CARE_WRITE_FAILURES, errorAnswer, ERRORS, fhirIssueFor, PROVISIONING_FAILURES } from './api-errors.js'

describe('the error registry', () => {
  it('answers each database failure with the same code, as the routes did before the registry (the portal acts on them)', () => {
    for (const table of [ALERT_FAILURES, CARE_WRITE_FAILURES, PROVISIONING_FAILURES, CARE_TEAM_FAILURES]) {
      for (const [failure, Failure] of Object.entries(table)) expect(apiCodeOf(new Failure())).toBe(failure)
    }
  })

  it('keeps codes in lower case although @fastify/error upper-cases them', () => {
    const error = new ERRORS.alreadyResolved()
    expect(error.code).toBe('ALREADY-RESOLVED')
    expect(errorAnswer(error)).toEqual({ error: { code: 'already-resolved', message: 'The alert is already resolved.' } })
    expect(error.statusCode).toBe(409)
  })

  it('gives FHIR an issue type for each code, `invalid` for the rest', () => {
    expect(fhirIssueFor(apiCodeOf(new ERRORS.fhirLoginRequired()))).toBe('login')
    expect(fhirIssueFor(apiCodeOf(new ERRORS.fhirNoCareRelationship()))).toBe('forbidden')
    expect(fhirIssueFor('method-not-allowed')).toBe('invalid')
  })
})
