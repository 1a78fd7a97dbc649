import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { packr } from './msgpack.js'
import { WriteBackLevel, type StoredValue } from './write-back-level.js'

type Op = { type: 'put' | 'del'; key: string }

describe('WriteBackLevel: LevelDB behind a write-back cache', () => {
  let dir: string
  let level: Level<string, Buffer>
  let batches: Op[][]

  const open = async () => {
    level = new Level<string, Buffer>(dir, { valueEncoding: 'buffer' })
    await level.open()
    batches = []
    // record what reaches LevelDB (the real database underneath does the work)
    const batch = level.batch.bind(level) as (ops: Op[], options: unknown) => Promise<void>
    ;(level as unknown as { batch: typeof batch }).batch = (ops, options) => {
      batches.push(ops.map(({ type, key }) => ({ type, key })))
      return batch(ops, options)
    }
    return level
  }
  const b = (s: string): StoredValue => ({ v: s, payload: Buffer.from(s) })
  const text = (v: StoredValue | Buffer | undefined) => (Buffer.isBuffer(v) ? (packr.unpack(v) as StoredValue) : v)?.['v']
  const disk = (s: string) => packr.pack(b(s))

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'varde-write-back-'))
  })
  afterEach(async () => {
    if (level.status === 'open') await level.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('takes a hand-over of more held writes than maxPending in one flush, without flushing again inside it (a broker died of a stack overflow)', async () => {
    // Seen under load: the layer above handed over its held messages from beforeWrite; once the pending writes
    // reached maxPending, each further put started a flush, which asked the layer again, which put again: one
    // nested call per held message until the stack ran out.
    const store = new WriteBackLevel(await open(), { flushMs: 60_000, maxPending: 10 })
    const held = Array.from({ length: 20_000 }, (_, i) => `outgoing:gw:${i}`)
    store.beforeWrite(() => {
      while (held.length > 0) store.put(held.shift()!, b('held'))
      return false
    })
    store.holding()
    await store.flush()
    expect(held).toHaveLength(0)
    expect(store.pendingWrites).toBe(0)
    expect(batches.flat()).toHaveLength(20_000)
    expect(text(await level.get('outgoing:gw:19999'))).toBe('held')
    await store.close()
  })

  it('reads its own writes before they reach LevelDB, and a delete hides the value', async () => {
    const store = new WriteBackLevel(await open(), { flushMs: 60_000 })
    store.put('a', b('1'))
    expect(text(await store.get('a'))).toBe('1')
    expect(await level.get('a')).toBeUndefined()
    store.del('a')
    expect(await store.get('a')).toBeUndefined()
    await store.close()
  })

  it('writes the net effect of a flush window in one batch: a key put and deleted meanwhile costs one tombstone', async () => {
    const store = new WriteBackLevel(await open(), { flushMs: 60_000 })
    store.put('outgoing:gw:1', b('v1'))
    store.put('outgoing:gw:1', b('v2'))
    store.put('outgoing-id:gw:7', b('v2'))
    store.del('outgoing:gw:1')
    store.del('outgoing-id:gw:7')
    store.put('retained:t', b('r'))
    await store.flush()
    expect(batches).toEqual([[{ type: 'del', key: 'outgoing:gw:1' }, { type: 'del', key: 'outgoing-id:gw:7' }, { type: 'put', key: 'retained:t' }]])
    expect(text(await level.get('retained:t'))).toBe('r')
    await store.close()
  })

  it('flushes by itself within flushMs, and at once when maxPending writes wait', async () => {
    const store = new WriteBackLevel(await open(), { flushMs: 5, maxPending: 3 })
    store.put('x', b('1'))
    await expect.poll(() => level.get('x').then(text)).toBe('1')
    store.put('p', b('1'))
    store.put('q', b('1'))
    store.put('r', b('1'))
    // the third write filled the window: its batch went out without waiting for the timer
    expect(batches.at(-1)).toEqual([{ type: 'put', key: 'p' }, { type: 'put', key: 'q' }, { type: 'put', key: 'r' }])
    await store.close()
  })

  it('writes a value one to two windows after it was written, and never one deleted before its turn', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      const db = await open()
      // the windows are under test here, not LevelDB: its batch is recorded and answered at once
      ;(db as unknown as { batch: (ops: Op[]) => Promise<void> }).batch = async (ops) => {
        batches.push(ops.map(({ type, key }) => ({ type, key })))
      }
      const store = new WriteBackLevel(db, { flushMs: 100 })
      store.put('subscriptions:gw:a', b('a')) // window 1
      await vi.advanceTimersByTimeAsync(100)
      expect(batches).toEqual([])
      store.put('outgoing:gw:broker-1:1', b('acknowledged in time'), { isNew: true }) // window 2
      store.put('outgoing:gw:broker-1:2', b('outlives its window'), { isNew: true })
      await vi.advanceTimersByTimeAsync(100)
      expect(batches).toEqual([[{ type: 'put', key: 'subscriptions:gw:a' }]])
      store.del('outgoing:gw:broker-1:1') // window 3: waits its own turn, and takes the put's
      await vi.advanceTimersByTimeAsync(100)
      expect(batches.slice(1)).toEqual([[{ type: 'put', key: 'outgoing:gw:broker-1:2' }]])
      expect(text(await store.get('outgoing:gw:broker-1:2'))).toBe('outlives its window')
      await vi.advanceTimersByTimeAsync(1000)
      expect(batches).toHaveLength(2) // the delete of a key never written: nothing
      expect(store.stats).toMatchObject({ deletesSkipped: 1, encoded: 2 })
      expect(store.pendingWrites).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })

  it('serves reads of recently flushed values from memory, and forgets the oldest beyond cacheEntries', async () => {
    const store = new WriteBackLevel(await open(), { flushMs: 60_000, cacheEntries: 2 })
    store.put('a', b('1'))
    store.put('b', b('2'))
    store.put('c', b('3'))
    await store.flush()
    // change LevelDB underneath: a read served from the cache does not see it
    await level.batch([{ type: 'put', key: 'b', value: disk('disk') }, { type: 'put', key: 'a', value: disk('disk') }])
    expect(text(await store.get('b'))).toBe('2')
    expect(text(await store.get('c'))).toBe('3')
    expect(text(await store.get('a'))).toBe('disk')
    store.del('c')
    await store.flush()
    expect(await store.get('c')).toBeUndefined()
    await store.close()
  })

  it('close writes what is pending, so a restarted broker finds it', async () => {
    const store = new WriteBackLevel(await open(), { flushMs: 60_000 })
    store.put('subscriptions:gw:r', b('s'))
    store.put('will:gw', b('w'))
    await store.close()
    const again = new WriteBackLevel(await open())
    expect(text(await again.get('subscriptions:gw:r'))).toBe('s')
    expect(text(await again.get('will:gw'))).toBe('w')
    await again.close()
  })

  it('iterates and clears ranges including writes not yet flushed', async () => {
    const store = new WriteBackLevel(await open(), { flushMs: 60_000 })
    store.put('outgoing:a:1', b('1'))
    await store.flush()
    store.put('outgoing:a:2', b('2'))
    store.del('outgoing:a:1')
    store.put('outgoing:b:1', b('x'))
    const seen: string[] = []
    for await (const v of store.values({ gte: 'outgoing:a:', lt: 'outgoing:a;' })) seen.push(String(text(v)))
    expect(seen).toEqual(['2'])
    store.put('outgoing:a:3', b('3'))
    await store.clear({ gte: 'outgoing:a:', lt: 'outgoing:a;' })
    expect(await store.get('outgoing:a:3')).toBeUndefined()
    expect(text(await store.get('outgoing:b:1'))).toBe('x')
    await store.close()
  })

  it('writes no tombstone for a key written as new and deleted before it was flushed', async () => {
    const store = new WriteBackLevel(await open(), { flushMs: 60_000 })
    store.put('outgoing:gw:broker-1:1', b('new'), { isNew: true })
    store.put('outgoing-id:gw:1', b('may be on disk'))
    store.del('outgoing:gw:broker-1:1')
    store.del('outgoing-id:gw:1')
    await store.flush()
    expect(batches).toEqual([[{ type: 'del', key: 'outgoing-id:gw:1' }]])
    // once written, a new key needs its tombstone like any other
    store.put('outgoing:gw:broker-1:2', b('kept'), { isNew: true })
    await store.flush()
    store.del('outgoing:gw:broker-1:2')
    await store.flush()
    expect(batches.slice(1)).toEqual([[{ type: 'put', key: 'outgoing:gw:broker-1:2' }], [{ type: 'del', key: 'outgoing:gw:broker-1:2' }]])
    expect(await level.get('outgoing:gw:broker-1:2')).toBeUndefined()
    expect(store.stats).toMatchObject({ deletes: 2, deletesSkipped: 1, puts: 1, encoded: 1 })
    await store.close()
  })

  it('in a tracked range, writes a tombstone only for a key that is in LevelDB (there when tracking began, or flushed since)', async () => {
    await open()
    await level.batch([{ type: 'put', key: 'outgoing-id:gw:0000000000000001', value: disk('old') }], { valueEncoding: 'buffer' })
    batches.length = 0
    const store = new WriteBackLevel(level, { flushMs: 60_000 })
    await store.track('outgoing-id:')
    for (const n of [1, 2, 3]) {
      store.put(`outgoing-id:gw:000000000000000${n}`, b(`v${n}`))
      store.del(`outgoing-id:gw:000000000000000${n}`)
    }
    store.put('outgoing-id:gw:0000000000000004', b('v4')) // outlives the window
    store.put('outgoing-ids-are-not:this', b('x'))
    store.del('outgoing-ids-are-not:this')
    await store.flush()
    expect(await store.get('outgoing-id:gw:0000000000000002')).toBeUndefined()
    store.del('outgoing-id:gw:0000000000000004')
    store.put('outgoing-id:gw:0000000000000001', b('again'))
    store.del('outgoing-id:gw:0000000000000001')
    await store.flush()
    expect(batches).toEqual([
      [{ type: 'del', key: 'outgoing-id:gw:0000000000000001' }, { type: 'put', key: 'outgoing-id:gw:0000000000000004' }, { type: 'del', key: 'outgoing-ids-are-not:this' }],
      [{ type: 'del', key: 'outgoing-id:gw:0000000000000004' }],
    ])
    expect(await level.keys().all()).toEqual([])
    await store.close()
  })

  it('keeps writes whose batch failed and writes them with the next one, newer values winning', async () => {
    const errors: string[] = []
    const store = new WriteBackLevel(await open(), { flushMs: 60_000, onError: (e) => errors.push(e.message) })
    const batch = level.batch.bind(level) as (ops: Op[], options: unknown) => Promise<void>
    let fail = true
    ;(level as unknown as { batch: typeof batch }).batch = (ops, options) => {
      if (fail) {
        fail = false
        return Promise.reject(new Error('disk full'))
      }
      return batch(ops, options)
    }
    store.put('k', b('old'))
    store.put('j', b('1'))
    await expect(store.flush()).rejects.toThrow('disk full')
    expect(errors).toEqual(['disk full'])
    expect(text(await store.get('k'))).toBe('old')
    store.put('k', b('new'))
    await store.flush()
    expect(text(await level.get('k'))).toBe('new')
    expect(text(await level.get('j'))).toBe('1')
    expect(store.pendingWrites).toBe(0)
    await store.close()
  })
})
