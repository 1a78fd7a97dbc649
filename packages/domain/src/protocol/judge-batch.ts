import type { BatchJudgement, JudgeOptions } from './types.js'

/**
 * Judges one measurement batch as received on `varde/v1/gateways/G/measurements`
 * (device-protocol.md): parses, validates, decodes GATT, converts units, applies
 * clock correction, and returns accepted readings and coded rejections. Pure:
 * never throws, for any input.
 */
export function judgeBatch(_payload: Uint8Array | string, _options: JudgeOptions): BatchJudgement {
  throw new Error('not implemented yet')
}
