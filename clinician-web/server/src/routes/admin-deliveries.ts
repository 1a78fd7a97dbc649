import {
  DELIVERY_STATUSES, deliveryListSchema, deliverySchema, errorBody, recipientChangeBody, recipientSettingsListSchema, recipientSettingsSchema,
} from '@varde/api-contract'
import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { accessOf, requireUser } from '../plugins/auth.js'
import { toDeliveryJson } from './care-team.js'

/** Only the tenant's administrator; every refusal is in the access log too (access/deliveries.ts). */
const requireAdmin = (request: FastifyRequest) => accessOf(request).deliveries.requireAdmin()

/**
 * The tenant's forwarding deliveries for its administrator (issue 18;
 * docs/decisions/0023): status of each, the dead letters, and a dead letter
 * put back in the queue (audited).
 */
export const adminDeliveryRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('preHandler', requireUser)
  app.addHook('preHandler', requireAdmin)

  app.get('/api/admin/deliveries', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'The tenant\'s forwarding deliveries, newest first',
      description: '`status=dead` lists the dead letters. The content is not shown (the outbox keeps references only); each patient shown is in the access log.',
      querystring: z.object({
        status: z.enum(DELIVERY_STATUSES).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(200),
      }),
      response: { 200: deliveryListSchema, 400: errorBody, 403: errorBody },
    },
  }, async (request) => {
    const items = await accessOf(request).deliveries.list({ status: request.query.status, limit: request.query.limit })
    return { items: items.map(toDeliveryJson) }
  })

  app.post('/api/admin/deliveries/:id/requeue', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'Put a dead letter back in the queue: tried again at once, its tries counted afresh',
      description: 'The send-time check still applies: an objection or an ended relationship since then cancels it. 404 for anything but a dead letter of the tenant.',
      params: z.object({ id: z.string().regex(/^[0-9]{1,18}$/, 'a delivery id') }),
      response: { 200: deliverySchema, 400: errorBody, 403: errorBody, 404: errorBody },
    },
  }, async (request) => toDeliveryJson(await accessOf(request).deliveries.requeue(request.params.id)))

  app.get('/api/admin/recipients', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'The tenant\'s forwarding recipients with their settings',
      response: { 200: recipientSettingsListSchema, 403: errorBody },
    },
  }, async (request) => ({ items: await accessOf(request).deliveries.recipients() }))

  app.patch('/api/admin/recipients/:id', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'Change a recipient\'s name, FHIR endpoint or what it gets',
      description: 'Deliveries already queued go to the new endpoint; turning off what a recipient gets stops new deliveries of that kind, not those queued. Audited with the fields changed.',
      params: z.object({ id: z.uuid('a recipient id') }),
      body: recipientChangeBody,
      response: { 200: recipientSettingsSchema, 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody },
    },
  }, async (request) => accessOf(request).deliveries.changeRecipient(request.params.id, request.body))
}
