import { findGatewayContext, type GatewayContext, type Queryable } from '@varde/db'

/** How long a gateway's tenant, patient and paired devices are taken from memory before asking the database again. */
const CONTEXT_TTL_MS = 30_000

/** Whose a gateway's batches are, cached: one lookup per gateway and 30 s, not per batch. */
export interface GatewayContexts {
  /** null: the gateway is unknown or assigned to no patient. */
  of(gatewayId: string): Promise<GatewayContext | null>
}

export function gatewayContexts(db: Queryable): GatewayContexts {
  const contexts = new Map<string, { ctx: GatewayContext | null; at: number }>()
  return {
    async of(gatewayId) {
      const cached = contexts.get(gatewayId)
      if (cached && Date.now() - cached.at < CONTEXT_TTL_MS) return cached.ctx
      const ctx = await findGatewayContext(db, gatewayId)
      contexts.set(gatewayId, { ctx, at: Date.now() })
      return ctx
    },
  }
}
