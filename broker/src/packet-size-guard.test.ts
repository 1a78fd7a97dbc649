import mqttPacket from 'mqtt-packet'
import { describe, expect, it } from 'vitest'
import { PacketSizeGuard } from './packet-size-guard.js'

const publish = (bytes: number) =>
  mqttPacket.generate({ cmd: 'publish', topic: 't', payload: Buffer.alloc(bytes), qos: 0, retain: false, dup: false })

async function pass(chunks: Buffer[], max: number): Promise<{ out: Buffer; error?: Error; refused?: number }> {
  let refused: number | undefined
  const guard = new PacketSizeGuard(max, (n) => { refused = n })
  const out: Buffer[] = []
  guard.on('data', (c: Buffer) => out.push(c))
  const done = new Promise<Error | undefined>((resolve) => { guard.on('error', resolve); guard.on('finish', () => resolve(undefined)) })
  for (const c of chunks) guard.write(c)
  guard.end()
  const error = await done
  return { out: Buffer.concat(out), ...(error ? { error } : {}), ...(refused ? { refused } : {}) }
}

describe('PacketSizeGuard', () => {
  it('lets packets up to the limit through unchanged, however the stream is split', async () => {
    const stream = Buffer.concat([publish(10), publish(200_000), publish(0)])
    const pieces = [stream.subarray(0, 1), stream.subarray(1, 3), stream.subarray(3, 100_000), stream.subarray(100_000)]
    const r = await pass(pieces, 256 * 1024)
    expect(r.error).toBeUndefined()
    expect(r.out.equals(stream)).toBe(true)
  })
  it('fails the stream at the header of a packet over the limit', async () => {
    const big = publish(256 * 1024)
    const r = await pass([publish(5), big.subarray(0, 8)], 256 * 1024)
    expect(r.error?.message).toMatch(/exceeds the limit of 262144/)
    expect(r.refused).toBe(big.length)
  })
})
