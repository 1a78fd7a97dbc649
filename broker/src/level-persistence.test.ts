import assert from 'node:assert'
import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { LevelPersistence } from './level-persistence.js'
import { WriteBackLevel } from './write-back-level.js'

const require = createRequire(import.meta.url)

interface NodeTestContext {
  plan(count: number): void
  diagnostic(message: string): void
  assert: Pick<typeof assert, 'equal' | 'notEqual' | 'deepEqual' | 'ok'>
}
type AbstractSuite = (options: {
  test: (name: string, body: (t: NodeTestContext) => Promise<void> | void) => void
  persistence: () => Promise<unknown>
  buildEmitter: () => unknown
  testAsync: boolean
}) => void

const dirs: string[] = []
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
})
async function openStore(options: ConstructorParameters<typeof WriteBackLevel>[1] = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'varde-level-persistence-'))
  dirs.push(dir)
  const level = new Level<string, Buffer>(dir, { valueEncoding: 'buffer' })
  await level.open()
  return { dir, level, store: new WriteBackLevel(level, { flushMs: 250, ...options }) }
}

/**
 * Aedes' own persistence test suite (aedes-persistence/abstract.js), written
 * for node:test, run here: each of its tests becomes a Vitest test with
 * node:test's `t.assert` (node:assert) and `t.plan` (the number of assertions
 * it must make).
 */
describe("Aedes' persistence test suite, on LevelPersistence", () => {
  const abstractSuite = require('aedes-persistence/abstract.js') as AbstractSuite
  abstractSuite({
    test: (name, body) => {
      it(name, async () => {
        let planned: number | undefined
        let made = 0
        const counted = <F extends (...args: never[]) => void>(check: F) => ((...args: Parameters<F>) => {
          made++
          check(...args)
        }) as F
        await body({
          plan: (count) => { planned = count },
          diagnostic: () => {},
          assert: { equal: counted(assert.equal), notEqual: counted(assert.notEqual), deepEqual: counted(assert.deepEqual), ok: counted(assert.ok) },
        })
        if (planned !== undefined) expect(made, 'assertions made, as the test planned').toBe(planned)
      })
    },
    persistence: async () => new LevelPersistence((await openStore()).store),
    buildEmitter: require('mqemitter') as () => unknown,
    testAsync: true,
  })
})

describe('LevelPersistence and aedes-persistence-level read each other’s data directory', () => {
  const oldPersistence = () => require('aedes-persistence-level') as (db: Level<string, Buffer>) => {
    setup(broker: object): Promise<void>
    asyncPersistence: Record<string, (...args: unknown[]) => Promise<unknown>>
    destroy(): Promise<void>
  }
  const client = { id: 'gw-æ/1' }
  const packet = (n: number) => ({
    cmd: 'publish', topic: `varde/v1/gateways/${client.id}/receipts`, payload: Buffer.from(`{"n":${n}}`), qos: 1, retain: false, dup: false,
    brokerId: 'broker-old', brokerCounter: n,
  })

  it('takes over the old store: subscriptions, queued messages (with and without a message id), retained messages and wills', async () => {
    const { dir, level } = await openStore()
    const old = oldPersistence()(level)
    await old.setup({ id: 'broker-old', mq: { on() {}, emit() {} } })
    const api = old.asyncPersistence
    await api['addSubscriptions']!(client, [{ topic: 'varde/v1/gateways/+/receipts', qos: 1 }, { topic: 'varde/v1/x', qos: 0 }])
    for (const n of [1, 2, 3]) await api['outgoingEnqueue']!({ clientId: client.id }, packet(n))
    await api['outgoingUpdate']!(client, { ...packet(1), messageId: 7 })
    await api['storeRetained']!({ ...packet(9), topic: 'varde/v1/gateways/gw-1/status', retain: true })
    await api['putWill']!(client, { cmd: 'publish', topic: 'varde/v1/gateways/gw-1/status', payload: Buffer.from('offline'), qos: 1, retain: true })
    await old.destroy()

    const reopened = new Level<string, Buffer>(dir, { valueEncoding: 'buffer' })
    await reopened.open()
    const store = new WriteBackLevel(reopened)
    const next = new LevelPersistence(store)
    await next.setup({ id: 'broker-new' })
    expect(await next.subscriptionsByTopic('varde/v1/gateways/g/receipts')).toEqual([
      { clientId: client.id, topic: 'varde/v1/gateways/+/receipts', qos: 1 },
    ])
    expect(await next.subscriptionsByClient(client)).toEqual([
      { topic: 'varde/v1/gateways/+/receipts', qos: 1 }, { topic: 'varde/v1/x', qos: 0 },
    ])
    const queue = await next.outgoingStream(client).toArray()
    expect(queue.map((p: { payload: Buffer; messageId: unknown }) => [p.payload.toString(), p.messageId])).toEqual([['{"n":1}', 7], ['{"n":2}', null], ['{"n":3}', null]])
    // the acknowledgement of message id 7 finds the message the old store gave that id
    const acknowledged = await next.outgoingClearMessageId(client, { topic: '', payload: '', messageId: 7 })
    expect((acknowledged?.['payload'] as Buffer).toString()).toBe('{"n":1}')
    expect((await next.outgoingStream(client).toArray()).length).toBe(2)
    const retained = await next.createRetainedStream('varde/v1/gateways/+/status').toArray()
    expect(retained.map((p: { payload: Buffer }) => p.payload.toString())).toEqual(['{"n":9}'])
    expect(((await next.getWill(client))?.['payload'] as Buffer).toString()).toBe('offline')
    await next.destroy()
  })

  it('leaves a store the old persistence reads, should Varde be rolled back', async () => {
    const { dir, store } = await openStore()
    const next = new LevelPersistence(store)
    await next.setup({ id: 'broker-new' })
    await next.addSubscriptions(client, [{ topic: 'varde/v1/gateways/+/receipts', qos: 1 }])
    await next.outgoingEnqueueCombi([{ clientId: client.id }], { ...packet(1), brokerId: 'broker-new' })
    await next.outgoingEnqueueCombi([{ clientId: client.id }], { ...packet(2), brokerId: 'broker-new' })
    await next.outgoingUpdate(client, { ...packet(2), brokerId: 'broker-new', messageId: 3 })
    await next.destroy() // flushes

    const level = new Level<string, Buffer>(dir, { valueEncoding: 'buffer' })
    await level.open()
    const old = oldPersistence()(level)
    await old.setup({ id: 'broker-old', mq: { on() {}, emit() {} } })
    const api = old.asyncPersistence
    const queue = await (api['outgoingStream'] as unknown as (c: object) => NodeJS.ReadableStream & { toArray(): Promise<{ payload: Buffer }[]> })(client).toArray()
    expect(queue.map((p) => p.payload.toString())).toEqual(['{"n":1}', '{"n":2}'])
    const cleared = await api['outgoingClearMessageId']!(client, { messageId: 3 }) as { payload: Buffer }
    expect(cleared.payload.toString()).toBe('{"n":2}')
    await old.destroy()
  })
})

describe('LevelPersistence on the write-back store: what a delivered QoS 1 message costs LevelDB', () => {
  const client = { id: 'varde-ingest' }
  const ownPacket = (n: number, brokerId = 'broker-1') =>
    ({ cmd: 'publish', topic: 'varde/v1/gateways/gw-1/measurements', payload: Buffer.from(`m${n}`), qos: 1, retain: false, dup: false, brokerId, brokerCounter: n })
  /** A persistence on a fresh store, set up as broker `broker-1`. */
  const openPersistence = async (options: Parameters<typeof openStore>[0]) => {
    const { level, store } = await openStore(options)
    const persistence = new LevelPersistence(store)
    await persistence.setup({ id: 'broker-1' })
    return { level, store, persistence }
  }
  const deliverAndAcknowledge = async (persistence: LevelPersistence, brokerId: string, counter: number) => {
    const packet = ownPacket(counter, brokerId)
    await persistence.outgoingEnqueueCombi([{ clientId: client.id }], packet)
    await persistence.outgoingUpdate(client, { ...packet, messageId: counter })
    return persistence.outgoingClearMessageId(client, { ...packet, messageId: counter })
  }

  it('nothing, when acknowledged within the window: not encoded, no tombstone', async () => {
    const { store, persistence } = await openPersistence({ flushMs: 60_000 })
    await store.flush()
    const before = { ...store.stats }
    for (let n = 1; n <= 100; n++) expect(await deliverAndAcknowledge(persistence, 'broker-1', n)).toBeDefined()
    await store.flush()
    expect({ puts: store.stats.puts - before.puts, encoded: store.stats.encoded - before.encoded, deletes: store.stats.deletes - before.deletes })
      .toEqual({ puts: 0, encoded: 0, deletes: 0 })
    for (let n = 1; n <= 100; n++) await deliverAndAcknowledge(persistence, 'broker-1', n) // message ids used again
    await store.flush()
    expect(store.stats.deletes - before.deletes).toBe(0)
    expect(store.stats.encoded - before.encoded).toBe(0)
    await persistence.destroy()
  })

  it('a tombstone for a queue key when its broker id has used the store before (its keys may be there)', async () => {
    const first = await openStore({ flushMs: 60_000 })
    const persistence = new LevelPersistence(first.store)
    await persistence.setup({ id: 'fixed-id' })
    await persistence.destroy()
    const level = new Level<string, Buffer>(first.dir, { valueEncoding: 'buffer' })
    await level.open()
    const store = new WriteBackLevel(level, { flushMs: 60_000 })
    const again = new LevelPersistence(store)
    await again.setup({ id: 'fixed-id' })
    await store.flush()
    const before = store.stats.deletes
    await deliverAndAcknowledge(again, 'fixed-id', 1)
    await store.flush()
    expect(store.stats.deletes - before).toBe(1) // the queue key (no message id key was in LevelDB)
    await again.destroy()
  })

  it('a message sent again under a new message id (after a reconnect) is found by the new id only', async () => {
    const { store, persistence } = await openPersistence({ flushMs: 60_000 })
    const packet = ownPacket(1)
    await persistence.outgoingEnqueueCombi([{ clientId: client.id }], packet)
    await persistence.outgoingUpdate(client, { ...packet, messageId: 5 })
    await store.flush()
    await persistence.outgoingUpdate(client, { ...packet, messageId: 6 })
    expect(await persistence.outgoingClearMessageId(client, { ...packet, messageId: 5 })).toBeUndefined()
    expect((await persistence.outgoingStream(client).toArray()).map((p: { messageId: number }) => p.messageId)).toEqual([6])
    expect(await persistence.outgoingClearMessageId(client, { ...packet, messageId: 6 })).toMatchObject({ messageId: 6, brokerCounter: 1 })
    expect(await persistence.outgoingStream(client).toArray()).toEqual([])
    await persistence.destroy()
  })

  it('holds its own messages for a window or two: acknowledged by then, one never reaches the store; one still queued is written as it would have been', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      const { level } = await openStore()
      const batches: string[][] = []
      // the windows are under test here, not LevelDB: its batch is recorded and answered at once
      ;(level as unknown as { batch: (ops: { type: string; key: string }[]) => Promise<void> }).batch = async (ops) => {
        batches.push(ops.map((op) => `${op.type} ${op.key}`))
      }
      const store = new WriteBackLevel(level, { flushMs: 100 })
      const persistence = new LevelPersistence(store)
      await persistence.setup({ id: 'broker-1' })
      batches.length = 0
      const packet = (n: number) => ownPacket(n)
      for (const n of [1, 2]) {
        await persistence.outgoingEnqueueCombi([{ clientId: client.id }], packet(n))
        await persistence.outgoingUpdate(client, { ...packet(n), messageId: n })
      }
      await vi.advanceTimersByTimeAsync(100)
      expect(await persistence.outgoingClearMessageId(client, { ...packet(1), messageId: 1 })).toMatchObject({ brokerCounter: 1, messageId: 1 })
      await vi.advanceTimersByTimeAsync(100)
      expect(batches).toEqual([]) // two windows in, nothing written yet
      await vi.advanceTimersByTimeAsync(1000)
      expect(batches).toEqual([['put outgoing:varde-ingest:broker-1:0000000000000002', 'put outgoing-id:varde-ingest:0000000000000002']])
      expect((await persistence.outgoingClearMessageId(client, { ...packet(2), messageId: 2 }))?.['payload']).toEqual(Buffer.from('m2'))
      await vi.advanceTimersByTimeAsync(1000)
      expect(batches.slice(1)).toEqual([['del outgoing-id:varde-ingest:0000000000000002', 'del outgoing:varde-ingest:broker-1:0000000000000002']])
      expect(store.pendingWrites).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })

  it('a message still queued when the window closes is written once, and its acknowledgement deletes it from LevelDB', async () => {
    const { level, store, persistence } = await openPersistence({ flushMs: 60_000 })
    const packet = ownPacket(1)
    await persistence.outgoingEnqueueCombi([{ clientId: client.id }], packet)
    await persistence.outgoingUpdate(client, { ...packet, messageId: 1 })
    await store.flush()
    const keys = async () => (await level.keys().all()).filter((k) => k.startsWith('outgoing'))
    expect(await keys()).toEqual(['outgoing-id:varde-ingest:0000000000000001', 'outgoing:varde-ingest:broker-1:0000000000000001'])
    await persistence.outgoingClearMessageId(client, { ...packet, messageId: 1 })
    await store.flush()
    expect(await keys()).toEqual([])
    await persistence.destroy()
  })
})
