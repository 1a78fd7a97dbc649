import { describe, expect, it } from 'vitest'
import { tolerateAcknowledgedRedelivery } from './delivery-order.js'

describe('tolerateAcknowledgedRedelivery', () => {
  const storeFailing = (message: string) => ({ outgoingUpdate: (): Promise<unknown> => Promise.reject(new Error(message)) })

  it('lets a copy of a message already acknowledged go out instead of failing its connection', async () => {
    const store = storeFailing('no such packet')
    tolerateAcknowledgedRedelivery(store)
    await expect(store.outgoingUpdate({}, {})).resolves.toBeUndefined()
  })

  it('still fails on every other store error', async () => {
    const store = storeFailing('disk full')
    tolerateAcknowledgedRedelivery(store)
    await expect(store.outgoingUpdate({}, {})).rejects.toThrow('disk full')
  })

  it('passes a successful update through', async () => {
    const store = { outgoingUpdate: (_client: unknown, packet: unknown) => Promise.resolve(packet) }
    tolerateAcknowledgedRedelivery(store)
    await expect(store.outgoingUpdate({}, { messageId: 7 })).resolves.toEqual({ messageId: 7 })
  })
})
