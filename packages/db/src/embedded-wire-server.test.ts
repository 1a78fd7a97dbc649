import { describe, expect, it } from 'vitest'
import { readyStatus } from './embedded-wire-server.js'

/** A backend message: type byte, Int32 length (itself included), body. */
const message = (type: string, body: Buffer = Buffer.alloc(0)): Buffer => {
  const header = Buffer.alloc(5)
  header.write(type, 0)
  header.writeInt32BE(4 + body.length, 1)
  return Buffer.concat([header, body])
}
const ready = (status: 'I' | 'T' | 'E') => message('Z', Buffer.from(status))
const complete = message('C', Buffer.from('INSERT 0 1\0'))
const notice = message('N', Buffer.from('SNOTICE\0Mhello\0\0'))

describe('readyStatus: who holds the embedded session after a response', () => {
  it.each([
    ['idle after a statement', [complete, ready('I')], 'I'],
    ['in a transaction', [message('C', Buffer.from('BEGIN\0')), ready('T')], 'T'],
    ['in a failed transaction', [message('E', Buffer.from('SERROR\0\0')), ready('E')], 'E'],
    ['a notice after the ReadyForQuery does not hide it', [complete, ready('I'), notice], 'I'],
    ['the last ReadyForQuery of several counts', [ready('T'), complete, ready('I')], 'I'],
    ['no ReadyForQuery: mid-exchange', [message('R', Buffer.from([0, 0, 0, 5, 1, 2, 3, 4]))], undefined],
    ['a Z byte inside a row is not a ReadyForQuery', [message('D', Buffer.from([0, 1, 0, 0, 0, 1, 0x5a])), complete], undefined],
  ])('%s', (_name, parts, want) => {
    expect(readyStatus(new Uint8Array(Buffer.concat(parts as Buffer[])))).toBe(want)
  })
})
