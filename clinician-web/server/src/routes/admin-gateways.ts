import {
  deviceParams, gatewayListSchema, gatewayOverviewListSchema, gatewayParams, errorBody, pairBody, pairedSchema, provisionBody, provisionedSchema,
  rejectionListSchema, rejectionQuery, rotatedSchema, type GatewayOverview, type ProvisionedGateway,
} from '@varde/api-contract'
import { INTERNAL_TOPICS } from '@varde/domain'
import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { LiveEvents } from '../live-events.js'
import { accessOf, requireUser } from '../plugins/auth.js'

const params = gatewayParams

/** Only a tenant administrator provisions gateways; every refusal is in the access log too (access/gateways.ts). */
const requireAdmin = (request: FastifyRequest) => accessOf(request).gateways.requireAdmin()

/**
 * Gateway provisioning for a tenant's administrator: create a gateway for a
 * patient (its secret is in the answer once and never again), rotate the
 * secret, revoke it, pair devices. Each action and its access-log entry are
 * one statement (packages/db gateway-provisioning.ts). Rotation and
 * revocation also order the broker, over MQTT, to cut the gateway off at once.
 */
export const adminGatewayRoutes: FastifyPluginAsyncZod<{ live: LiveEvents }> = async (app, { live }) => {
  app.addHook('preHandler', requireUser)
  app.addHook('preHandler', requireAdmin)
  /** The broker's database poll is the safety net: a failed order does not fail the request. */
  const orderDisconnect = async (request: FastifyRequest, id: string) => {
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 2000).unref())
    const result = await Promise.race([live.publish(INTERNAL_TOPICS.gatewayRevoked, id).then(() => 'sent' as const, () => 'failed' as const), timeout])
    if (result !== 'sent') request.log.warn({ event: 'revocation-order-not-sent', gatewayId: id, result }, 'broker not told at once; its database poll will cut the gateway off')
  }

  app.get('/api/admin/gateways', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'The tenant\'s gateways and their paired devices',
      response: { 200: gatewayListSchema },
    },
  }, async (request) => {
    const items = await accessOf(request).gateways.list()
    return {
      items: items.map((g): ProvisionedGateway => ({
        id: g.id, patientId: g.patientId, state: g.state, firmware: g.firmware, battery: g.battery,
        lastSeenAt: g.lastSeenAt?.toISOString() ?? null, createdAt: g.createdAt.toISOString(),
        revokedAt: g.revokedAt?.toISOString() ?? null, pairedDeviceIds: g.pairedDeviceIds,
      })),
    }
  })

  const iso = (d: Date | null) => d?.toISOString() ?? null
  const reading = (r: { type: string; measuredAt: Date; receivedAt: Date } | null) =>
    r ? { type: r.type, measuredAt: r.measuredAt.toISOString(), receivedAt: r.receivedAt.toISOString() } : null

  app.get('/api/admin/gateways/overview', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'The tenant\'s gateways with their patient, state, battery, firmware, last reading, devices and recent rejections',
      description: 'A reading is given as its type and times, never its value. Devices the gateway reported but nobody paired are listed with `pairedAt: null`.',
      response: { 200: gatewayOverviewListSchema },
    },
  }, async (request) => {
    const items = await accessOf(request).gateways.overview()
    return {
      items: items.map((g): GatewayOverview => ({
        id: g.id, patient: g.patientId ? { id: g.patientId, displayName: g.patientName ?? '' } : null, state: g.state, firmware: g.firmware,
        battery: g.battery, lastSeenAt: iso(g.lastSeenAt), createdAt: g.createdAt.toISOString(), revokedAt: iso(g.revokedAt),
        lastReading: reading(g.lastReading), recentRejections: g.recentRejections,
        devices: g.devices.map((d) => ({
          deviceId: d.deviceId, pairedAt: iso(d.pairedAt), battery: d.battery, lastReadingAt: iso(d.lastReadingAt), lastReadingType: d.lastReadingType,
        })),
      })),
    }
  })

  app.get('/api/admin/gateways/:id/rejections', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'What the gateway sent that was refused, with the raw input, newest first (device-protocol.md "Receipts")',
      description: 'Read-only review; each call is in the access log with the gateway\'s patient. Page with `before` = the answer\'s `nextBefore`.',
      params, querystring: rejectionQuery, response: { 200: rejectionListSchema, 404: errorBody },
    },
  }, async (request, reply) => {
    const { before, limit } = request.query
    const items = await accessOf(request).gateways.rejections(request.params.id, { before, limit })
    return reply.header('cache-control', 'no-store').send({
      items: items.map((r) => ({ ...r, receivedAt: r.receivedAt.toISOString() })),
      nextBefore: items.length === limit ? items.at(-1)!.id : null,
    })
  })

  app.post('/api/admin/gateways', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'Create a gateway for a patient; the secret is shown this once',
      body: provisionBody,
      response: { 201: provisionedSchema, 400: errorBody, 404: errorBody, 409: errorBody },
    },
  }, async (request, reply) => {
    const created = await accessOf(request).gateways.provision(request.body.patientId, request.body.id)
    return reply.code(201).header('cache-control', 'no-store').send({ id: created.gatewayId, secret: created.secret })
  })

  app.post('/api/admin/gateways/:id/rotate', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'Give a gateway a new secret (shown this once); the old one stops working and a connected gateway is cut off',
      params, response: { 200: rotatedSchema, 404: errorBody, 409: errorBody },
    },
  }, async (request, reply) => {
    const rotated = await accessOf(request).gateways.rotate(request.params.id)
    await orderDisconnect(request, request.params.id)
    return reply.header('cache-control', 'no-store').send({ secret: rotated.secret })
  })

  app.post('/api/admin/gateways/:id/revoke', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'Revoke a gateway for good (stolen, retired): refused from now on, disconnected at once',
      params, response: { 204: z.null(), 404: errorBody },
    },
  }, async (request, reply) => {
    await accessOf(request).gateways.revoke(request.params.id)
    await orderDisconnect(request, request.params.id)
    return reply.code(204).send(null)
  })

  app.post('/api/admin/gateways/:id/devices', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'Pair a device (BLE address or serial) with the gateway\'s patient',
      params, body: pairBody,
      response: { 201: pairedSchema, 404: errorBody, 409: errorBody },
    },
  }, async (request, reply) => {
    const paired = await accessOf(request).gateways.pair(request.params.id, request.body.deviceId)
    return reply.code(201).send({ gatewayId: request.params.id, deviceId: request.body.deviceId, pairedAt: paired.pairedAt.toISOString() })
  })

  app.delete('/api/admin/gateways/:id/devices/:deviceId', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'Unpair a device',
      params: deviceParams, response: { 204: z.null(), 404: errorBody },
    },
  }, async (request, reply) => {
    await accessOf(request).gateways.unpair(request.params.id, request.params.deviceId)
    return reply.code(204).send(null)
  })
}
