import { createRequire } from 'node:module'
import { Packr } from 'msgpackr'

interface MsgpackLite {
  encode(value: unknown): Buffer
  decode(buffer: Buffer | Uint8Array): unknown
}

/**
 * Standard MessagePack, as msgpack-lite writes it: objects as maps, Buffers as
 * bin (read back as Buffers), undefined as nil. Data written by either reads
 * back with the other.
 */
export const packr = new Packr({ useRecords: false, mapsAsObjects: true, encodeUndefinedAsNil: true })

const patched = new WeakSet<object>()

/**
 * aedes-persistence-redis encodes every stored packet with msgpack-lite: under
 * load, its encode and decode were a third of the broker's busy CPU
 * (`--cpu-prof` of `npm run bench:ingest`, with aedes-persistence-level, which
 * does the same and which level-persistence.ts has since replaced), more than
 * Aedes itself. msgpackr writes and reads the same format several times
 * faster, so the msgpack-lite module that package loads is given msgpackr's
 * encode and decode (it calls `msgpack.encode`/`decode` on the module at each
 * use). Call before the first packet is stored; calling again does nothing.
 */
export function useFastMsgpack(): void {
  for (const user of ['aedes-persistence-redis']) {
    const fromUser = createRequire(createRequire(import.meta.url).resolve(user))
    const lite = fromUser('msgpack-lite') as MsgpackLite
    if (patched.has(lite)) continue
    patched.add(lite)
    lite.encode = (value) => packr.pack(value)
    lite.decode = (buffer) => packr.unpack(buffer)
  }
}
