import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { RuleError } from '@varde/domain'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { codeForStatus, errorAnswer, isApiFailure } from './errors/api-errors.js'

/**
 * The one place that turns a failure into the API's coded answer
 * `{error: {code, message}}` (STYLE.md "Coded errors in one registry"): our
 * own errors (errors/api-errors.ts) with their code, a rule refused with the
 * rule's code, schema validation, Fastify's own refusals (bad URL encoding, a
 * parameter too long, a body that is not JSON, too large, of another type),
 * and what no route foresaw (500, logged, never its message). FHIR answers
 * from the same registry as OperationOutcome (fhir/operation-outcome.ts).
 */
export function replyToError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (hasZodFastifySchemaValidationErrors(error)) {
    return reply.code(400).send({ error: { code: 'invalid-request', message: error.message } })
  }
  if (isApiFailure(error)) {
    if (error.statusCode >= 500) request.log.error({ err: error }, 'request failed')
    return reply.code(error.statusCode).send(errorAnswer(error))
  }
  // a change refused by the rule set it would make (the domain's code, e.g. `invalid-params`)
  if (error instanceof RuleError) return reply.code(400).send({ error: { code: error.code, message: error.detail } })
  const status = (error as { statusCode?: number }).statusCode ?? 500
  if (status >= 500) {
    request.log.error({ err: error }, 'request failed')
    return reply.code(500).send({ error: { code: 'internal-error', message: 'Internal error' } })
  }
  return reply.code(status).send({ error: { code: codeForStatus(status), message: error.message } })
}

/** Fastify's refusals before routing (a URL that does not decode, a parameter too long): coded like the rest. */
export function replyToFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400
  return reply.code(status).send({ error: { code: codeForStatus(status), message: error.message } })
}

export function replyNotFound(_request: FastifyRequest, reply: FastifyReply) {
  return reply.code(404).send({ error: { code: 'not-found', message: 'No such endpoint' } })
}
