import { Transform, type TransformCallback } from 'node:stream'

/**
 * Refuses MQTT packets larger than `maxBytes` (device-protocol.md: 256 KiB)
 * before the broker buffers them: it follows the packet framing of the byte
 * stream (fixed header byte, "remaining length" varint, body; MQTT 3.1.1
 * §2.2) and fails the stream as soon as a header announces a packet that is
 * too large. Aedes 1.x has no such limit of its own.
 */
export class PacketSizeGuard extends Transform {
  private state: 'type' | 'length' | 'body' = 'type'
  private remaining = 0
  private multiplier = 1
  private lengthBytes = 0

  constructor(
    private readonly maxBytes: number,
    private readonly onTooLarge: (announcedBytes: number) => void,
  ) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let i = 0
    while (i < chunk.length) {
      if (this.state === 'type') {
        i++
        this.state = 'length'
        this.remaining = 0
        this.multiplier = 1
        this.lengthBytes = 0
      } else if (this.state === 'length') {
        const byte = chunk[i++] as number
        this.remaining += (byte & 0x7f) * this.multiplier
        this.multiplier *= 128
        this.lengthBytes++
        if ((byte & 0x80) === 0 || this.lengthBytes === 4) {
          const total = 1 + this.lengthBytes + this.remaining
          if (total > this.maxBytes) {
            this.onTooLarge(total)
            callback(new PacketTooLargeError(total, this.maxBytes))
            return
          }
          this.state = this.remaining === 0 ? 'type' : 'body'
        }
      } else {
        const take = Math.min(this.remaining, chunk.length - i)
        i += take
        this.remaining -= take
        if (this.remaining === 0) this.state = 'type'
      }
    }
    callback(null, chunk)
  }
}

export class PacketTooLargeError extends Error {
  constructor(readonly announcedBytes: number, readonly maxBytes: number) {
    super(`MQTT packet of ${announcedBytes} bytes exceeds the limit of ${maxBytes}`)
    this.name = 'PacketTooLargeError'
  }
}
