import {
  findTenantGateway, listGatewayOverview, listGatewayRejections, listTenantGateways, pairDevice, provisionGateway, revokeTenantGateway, rotateGatewaySecret, unpairDevice,
  type GatewayOverview, type GatewaySummary, type ProvisioningResult, type RejectionForReview,
} from '@varde/db'
import { ERRORS, PROVISIONING_FAILURES } from '../errors/api-errors.js'
import { dbActorOf, hasRole } from './actor.js'
import type { AccessContext } from './context.js'

/**
 * Gateway provisioning, for a tenant's administrator only: who may see a
 * patient's data depends on which gateway speaks for it. Each action and its
 * log entry are one statement (packages/db gateway-provisioning.ts); the
 * list and every refusal are logged here.
 */
export function gatewayAccess({ db, actor, audit, where }: AccessContext) {
  const provisioner = () => dbActorOf(actor)
  const done = <T>(result: ProvisioningResult<T>): T => {
    if (!result.ok) throw new PROVISIONING_FAILURES[result.code]()
    return result
  }
  return {
    /** Refuses anyone but an administrator, and logs the refusal. */
    async requireAdmin(): Promise<void> {
      if (hasRole(actor, ['admin'])) return
      await audit.one({ action: 'gateway.admin', resourceType: 'Gateway', resourceId: null, outcome: 'denied', details: where() })
      throw new ERRORS.adminRequired()
    },

    async list(): Promise<GatewaySummary[]> {
      const items = await listTenantGateways(db, actor.tenantId)
      await audit.one({ action: 'gateway.list', resourceType: 'Gateway', outcome: 'allowed', details: { count: items.length } })
      return items
    },

    /** The list with each gateway's patient, devices, last readings and recent rejections (the administrator's page). */
    async overview(): Promise<GatewayOverview[]> {
      const items = await listGatewayOverview(db, actor.tenantId)
      await audit.one({ action: 'gateway.overview', resourceType: 'Gateway', outcome: 'allowed', details: { count: items.length } })
      return items
    },

    /**
     * What the gateway sent that was refused, with the raw input (device-protocol.md "Receipts"): read-only,
     * one log entry naming the gateway's patient, since a raw payload may hold a reading. Another tenant's
     * gateway is answered as an unknown one.
     */
    async rejections(gatewayId: string, page: { before?: number | undefined; limit: number }): Promise<RejectionForReview[]> {
      const gateway = await findTenantGateway(db, actor.tenantId, gatewayId)
      await audit.one({
        action: 'gateway.rejections', resourceType: 'Gateway', resourceId: gatewayId, patientId: gateway?.patientId ?? null,
        outcome: gateway ? 'allowed' : 'denied', details: gateway ? { limit: page.limit } : { reason: 'not-found' },
      })
      if (!gateway) throw new ERRORS.gatewayNotFound()
      return listGatewayRejections(db, { tenantId: actor.tenantId, gatewayId, ...page })
    },

    provision: async (patientId: string, gatewayId: string | undefined) => done(await provisionGateway(db, { actor: provisioner(), patientId, gatewayId })),
    rotate: async (gatewayId: string) => done(await rotateGatewaySecret(db, { actor: provisioner(), gatewayId })),
    revoke: async (gatewayId: string) => done(await revokeTenantGateway(db, { actor: provisioner(), gatewayId })),
    pair: async (gatewayId: string, deviceId: string) => done(await pairDevice(db, { actor: provisioner(), gatewayId, deviceId })),
    unpair: async (gatewayId: string, deviceId: string) => done(await unpairDevice(db, { actor: provisioner(), gatewayId, deviceId })),
  }
}
