import { describe, expect, it } from 'vitest'
import { jsonDepthExceeds } from './json-depth.js'

describe('jsonDepthExceeds', () => {
  it.each([
    ['{}', 1, false],
    ['{"a":[{"b":{}}]}', 4, false],
    ['{"a":[{"b":{}}]}', 3, true],
    ['"[[[[[[[["', 1, false], // brackets in a string do not count
    ['{"a":"\\"[[[["}', 1, false], // nor after an escaped quote
    ['[[1],[2],[3]]', 2, false], // siblings do not add up
    ['['.repeat(100_000) + ']'.repeat(100_000), 64, true],
  ])('%s within %i: exceeds %s', (text, limit, expected) => {
    expect(jsonDepthExceeds(text, limit)).toBe(expected)
  })
})
