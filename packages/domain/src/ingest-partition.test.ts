import { describe, expect, it } from 'vitest'
import { ownsGateway, parsePartition, partitionClientId, partitionOf, partitionOfClientId } from './ingest-partition.js'

describe('ingest partitions', () => {
  it.each([
    ['0/1', { index: 0, count: 1 }],
    ['2/3', { index: 2, count: 3 }],
    [' 0/64 ', { index: 0, count: 64 }],
  ])('reads %s', (raw, partition) => {
    expect(parsePartition(raw)).toEqual(partition)
  })

  it.each([['3/3', /below n/], ['1/0', /1 to 64/], ['1', /must be k\/n/], ['a/b', /must be k\/n/], ['0/65', /1 to 64/], ['-1/3', /must be k\/n/]])(
    'refuses %s with a coded error naming the variable', (raw, message) => {
      expect(() => parsePartition(raw)).toThrow(message)
      expect(() => parsePartition(raw)).toThrow(/^VARDE_INGEST_PARTITION: /)
    })

  it('gives every gateway exactly one owner among n processes, and spreads them', () => {
    const ids = Array.from({ length: 3000 }, (_, i) => `gw-${i}`)
    const perPartition = [0, 0, 0]
    for (const id of ids) {
      const owners = [0, 1, 2].filter((index) => ownsGateway({ index, count: 3 }, id))
      expect(owners).toHaveLength(1)
      perPartition[owners[0]!]!++
    }
    for (const n of perPartition) expect(n).toBeGreaterThan(900)
  })

  it('is stable: the same id, the same partition (FNV-1a known values)', () => {
    expect(partitionOf('', 1 << 30)).toBe(0x811c9dc5 % (1 << 30))
    expect(partitionOf('a', 2 ** 32 - 1)).toBe(0xe40c292c % (2 ** 32 - 1))
    expect(ownsGateway(undefined, 'any')).toBe(true)
  })

  it('names each partition\'s session', () => {
    expect(partitionClientId({ index: 1, count: 3 })).toBe('varde-ingest-1-of-3')
    expect(partitionOfClientId('varde-ingest-1-of-3')).toEqual({ index: 1, count: 3 })
    for (const other of ['varde-ingest', 'varde-ingest-3-of-3', 'varde-ingest-0-of-0', 'x-varde-ingest-0-of-2', 'varde-ingest-0-of-2x']) expect(partitionOfClientId(other)).toBeUndefined()
  })
})
