import type { Resource } from '@medplum/fhirtypes'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { ERRORS } from '../errors/api-errors.js'

const FHIR_JSON = 'application/fhir+json; charset=utf-8'

export const sendResource = (reply: FastifyReply, status: number, body: Resource) => reply.code(status).type(FHIR_JSON).send(body)
/** The base URL of the FHIR API as the caller reached it (registered under the prefix `/fhir`). */
export const baseUrl = (request: FastifyRequest) => `${request.protocol}://${request.host}/fhir`

/** A patient the caller may not see, said FHIR's way (`as`: the error FHIR answers with instead). */
export async function orAnswer<T>(read: Promise<T>, as: () => Error): Promise<T> {
  try {
    return await read
  } catch (error) {
    throw error instanceof ERRORS.patientNotFound ? as() : error
  }
}
