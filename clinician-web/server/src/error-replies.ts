import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'

/**
 * The one place that turns a failure into the API's coded answer
 * `{error: {code, message}}` (STYLE.md "Coded errors in one registry"):
 * schema validation, Fastify's own refusals (bad URL encoding, a parameter
 * too long, a body that is not JSON, too large, of another type), and what
 * no route foresaw (500, logged, never its message). FHIR answers its own
 * way (fhir/routes.ts: OperationOutcome).
 */
const CODES: Record<number, string> = {
  400: 'invalid-request', 401: 'unauthenticated', 403: 'forbidden', 404: 'not-found', 405: 'method-not-allowed',
  406: 'not-acceptable', 413: 'payload-too-large', 414: 'uri-too-long', 415: 'unsupported-media-type', 429: 'too-many-requests',
}
export const codeForStatus = (status: number): string => CODES[status] ?? (status >= 500 ? 'internal-error' : 'invalid-request')

export function replyToError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (hasZodFastifySchemaValidationErrors(error)) {
    return reply.code(400).send({ error: { code: 'invalid-request', message: error.message } })
  }
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
