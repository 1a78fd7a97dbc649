import {
  changeRecipientSettings, listDeliveryViews, listRecipientSettings, requeueDeadLetter, type DeliveryStatus, type DeliveryView, type RecipientChange,
  type RecipientSettings,
} from '@varde/db'
import { ERRORS } from '../errors/api-errors.js'
import { hasRole } from './actor.js'
import { userIdOf, type AccessContext } from './context.js'

/**
 * The tenant's forwarding deliveries for its administrator (issue 18;
 * docs/decisions/0023): every delivery's status, the dead letters, and a dead
 * letter put back in the queue. What was sent is not shown (the outbox keeps
 * references only), but which patient it was about is, so every look (naming
 * the patients shown) and every requeue is in the access log.
 */
export function deliveryAccess({ db, actor, audit, where }: AccessContext) {
  return {
    /** Refuses anyone but the tenant's administrator, and logs the refusal. */
    async requireAdmin(): Promise<void> {
      if (hasRole(actor, ['admin'])) return
      await audit.one({ action: 'delivery.admin', resourceType: 'Delivery', resourceId: null, outcome: 'denied', details: where() })
      throw new ERRORS.deliveriesAdminRequired()
    },

    async list(q: { status?: DeliveryStatus | undefined; limit: number }): Promise<DeliveryView[]> {
      const items = await listDeliveryViews(db, { tenantId: actor.tenantId, limit: q.limit, ...(q.status ? { status: q.status } : {}) })
      // one entry, as every list (the door's rule), naming the patients it showed so log control finds it
      await audit.one({ action: 'delivery.list', resourceType: 'Delivery', outcome: 'allowed', details: { count: items.length, status: q.status ?? null, patients: [...new Set(items.map((d) => d.patient.id))] } })
      return items
    },

    async requeue(id: string): Promise<DeliveryView> {
      const requeued = await requeueDeadLetter(db, { tenantId: actor.tenantId, id, byUserId: userIdOf(actor) })
      await audit.one({ action: 'delivery.requeue', resourceType: 'Delivery', resourceId: id, patientId: requeued?.patient.id ?? null, outcome: requeued ? 'allowed' : 'denied' })
      if (!requeued) throw new ERRORS.deadLetterNotFound()
      return requeued
    },

    /** The tenant's recipients with their settings (no health data: one entry, as every admin list). */
    async recipients(): Promise<RecipientSettings[]> {
      const items = await listRecipientSettings(db, actor.tenantId)
      await audit.one({ action: 'recipient.list', resourceType: 'Recipient', outcome: 'allowed', details: { count: items.length } })
      return items
    },

    /** Changes a recipient's name, endpoint or what it gets; logged with what changed (never the old values' secrets: there are none). */
    async changeRecipient(id: string, change: RecipientChange): Promise<RecipientSettings> {
      const result = await changeRecipientSettings(db, { tenantId: actor.tenantId, id, change })
      await audit.one({
        action: 'recipient.change', resourceType: 'Recipient', resourceId: id, outcome: result.ok ? 'allowed' : 'denied',
        details: { fields: Object.keys(change), ...(change.sends ? { sends: change.sends } : {}), ...(result.ok ? {} : { reason: result.code }) },
      })
      if (!result.ok) throw result.code === 'name-taken' ? new ERRORS.recipientNameTaken() : new ERRORS.recipientNotFound()
      return result.recipient
    },
  }
}
