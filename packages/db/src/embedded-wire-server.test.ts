import { describe, expect, it } from 'vitest'
import { messageTypes, PGLITE_INPUT_PAGE, readyStatus, splitAtPageBoundaries, statementText } from './embedded-wire-server.js'

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

describe('splitAtPageBoundaries: requests handed to PGlite in pieces ending on its 8 KiB pages', () => {
  const sized = (type: string, total: number) => message(type, Buffer.alloc(total - 5, 0x61))
  const S = message('S')
  it.each([
    ['a small request stays whole', [sized('P', 100), sized('B', 50), S], ['PBS']],
    ['no message ends on a page boundary: whole', [sized('P', 100), sized('B', PGLITE_INPUT_PAGE), S], ['PBS']],
    ['Parse, Bind and Describe end on 8,192: the Execute and Sync go on their own', [sized('P', 192), sized('B', 7990), sized('D', 10), sized('E', 10), S], ['PBD', 'ES']],
    ['and on 16,384, counted from the start of the piece', [sized('P', 8192), sized('B', 8192), S], ['P', 'B', 'S']],
    ['a request that ends on the boundary is whole', [sized('P', 8187), S], ['PS']],
  ])('%s', (_name, parts, want) => {
    const request = Buffer.concat(parts as Buffer[])
    const pieces = splitAtPageBoundaries(request)
    expect(pieces.map((p) => messageTypes(p))).toEqual(want)
    expect(Buffer.concat(pieces).equals(request)).toBe(true)
  })
})

describe('statementText: what a slow-statement log line names', () => {
  const cstring = (text: string) => Buffer.from(`${text}\0`)
  const params = Buffer.from([0, 0, 0, 1, 0, 0, 0, 4, 0x73, 0x65, 0x63, 0x72]) // a parameter, never logged
  it.each([
    ['a simple Query', message('Q', cstring('SELECT 1')), 'SELECT 1'],
    ['Parse (unnamed), Bind, Execute, Sync', Buffer.concat([message('P', Buffer.concat([cstring(''), cstring('SELECT *\n   FROM measurements WHERE id = $1'), Buffer.alloc(2)])), message('B', params), message('E', Buffer.alloc(5)), message('S')]), 'SELECT * FROM measurements WHERE id = $1'],
    ['Parse of a named statement', message('P', Buffer.concat([cstring('s1'), cstring('SELECT 2'), Buffer.alloc(2)])), 'SELECT 2'],
    ['Bind and Execute of a prepared statement: no text', Buffer.concat([message('B', params), message('E', Buffer.alloc(5)), message('S')]), ''],
  ])('%s', (_name, request, expected) => {
    expect(statementText(request)).toBe(expected)
  })
})
