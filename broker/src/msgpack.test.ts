import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { packr, useFastMsgpack } from './msgpack.js'

// msgpack-lite itself, loaded before the swap: what earlier versions wrote to disk
const lite = createRequire(createRequire(import.meta.url).resolve('aedes-persistence-redis'))('msgpack-lite') as {
  encode(v: unknown): Buffer
  decode(b: Buffer): unknown
}
const { encode: liteEncode, decode: liteDecode } = lite

/** What the persistences store: a QoS 1 packet (aedes-packet), a subscription, a will. */
const stored = [
  { cmd: 'publish', brokerId: 'b-1', brokerCounter: 4_294_967_296 + 7, topic: 'varde/v1/gateways/gw-1/receipts', payload: Buffer.from('{"batchId":"b1"}'), qos: 1, retain: false, dup: false, messageId: 65_535 },
  { topic: 'varde/v1/gateways/+/measurements', qos: 1, rh: 0, rap: false, nl: false, clientId: 'varde-ingest' },
  { cmd: 'publish', topic: 'varde/v1/gateways/gw-1/status', payload: Buffer.alloc(0), qos: 1, retain: true, clientId: 'gw-1', brokerId: 'b-1', missing: undefined, empty: null, text: 'æøå' },
]

describe('the broker store encoding (msgpackr in msgpack-lite format)', () => {
  it('reads what msgpack-lite wrote, and msgpack-lite reads what it writes: Buffers stay Buffers, undefined becomes null', () => {
    for (const value of stored) {
      const expected = liteDecode(liteEncode(value))
      expect(packr.unpack(liteEncode(value))).toEqual(expected)
      expect(liteDecode(packr.pack(value))).toEqual(expected)
      expect(Buffer.isBuffer((packr.unpack(packr.pack(value)) as { payload?: unknown }).payload ?? Buffer.alloc(0))).toBe(true)
    }
  })

  it('leaves an encoded value intact while later values are encoded (the write-back cache keeps them)', () => {
    // msgpackr packs into a shared buffer; what it returns must not be overwritten by what comes after
    const kept = Array.from({ length: 50_000 }, (_, i) => packr.pack({ i, payload: Buffer.alloc(i % 300, i % 256) }))
    const broken = kept.filter((bytes, i) => {
      const value = packr.unpack(bytes) as { i: number; payload: Buffer }
      return value.i !== i || value.payload.length !== i % 300 || value.payload.some((b) => b !== i % 256)
    })
    expect(broken).toEqual([])
  })

  it('is what aedes-persistence-redis uses once swapped in', () => {
    useFastMsgpack()
    useFastMsgpack()
    const value = stored[0]!
    expect(lite.encode(value)).toEqual(packr.pack(value))
    expect(lite.decode(liteEncode(value))).toEqual(liteDecode(liteEncode(value)))
  })
})
