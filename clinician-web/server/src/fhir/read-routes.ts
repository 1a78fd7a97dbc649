import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { ERRORS } from '../errors/api-errors.js'
import { accessOf } from '../plugins/auth.js'
import { deviceResourceId } from './identifiers.js'
import { deviceResource, observationResource, patientResource } from './resources.js'
import { deviceSchema, observationSchema, patientSchema, refusals } from './response-schemas.js'
import { orAnswer, sendResource } from './reply.js'
import { deviceIdParams, observationIdParams, resourceIdParams } from './search-params.js'

/**
 * `read` (`GET /fhir/{type}/{id}`) of every type served, so every reference
 * in a served resource can be followed (platform-contract.md "FHIR R4").
 * A resource of a patient the caller does not care for is answered as one
 * that does not exist: 404, and the refusal in the access log.
 */
export const readRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/Patient/:id', {
    config: { access: 'patient' }, schema: { hide: true, params: resourceIdParams, response: { 200: patientSchema, ...refusals } },
  }, async (request, reply) => {
    const { id } = request.params
    const patient = await orAnswer(accessOf(request).patients.read(id, { api: 'fhir' }), () => new ERRORS.fhirResourceNotFound(`Patient/${id}`))
    const times = await accessOf(request).fhir.lastUpdated({ patients: [id] })
    return sendResource(reply, 200, patientResource(patient, times.patients.get(id)))
  })

  app.get('/Device/:id', {
    config: { access: 'patient' }, schema: { hide: true, params: deviceIdParams, response: { 200: deviceSchema, ...refusals } },
  }, async (request, reply) => {
    const { id } = request.params
    const device = await orAnswer(accessOf(request).fhir.device(id, (d) => deviceResourceId(d) === id), () => new ERRORS.fhirResourceNotFound(`Device/${id}`))
    const times = await accessOf(request).fhir.lastUpdated({ gateways: [device.gatewayId] })
    return sendResource(reply, 200, deviceResource(device, times.gateways.get(device.gatewayId)))
  })

  app.get('/Observation/:id', {
    config: { access: 'patient' }, schema: { hide: true, params: observationIdParams, response: { 200: observationSchema, ...refusals } },
  }, async (request, reply) => {
    const { raw, id, measuredAt } = request.params.id
    const row = await orAnswer(accessOf(request).fhir.observation(id, measuredAt, raw), () => new ERRORS.fhirResourceNotFound(`Observation/${raw}`))
    return sendResource(reply, 200, observationResource(row))
  })
}
