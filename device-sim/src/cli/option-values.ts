import type { DeviceEncoding } from '../devices/device-kinds.js'
import { parseDuration } from '../time/duration.js'
import { UsageError } from './cli-config.js'

/** A whole number option from 1 to `max`; `fallback` when not given. */
export function positiveInteger(name: string, text: string | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${name} ${text}: give a whole number from 1 to ${max}`)
  return n
}

/** A duration option above zero, in ms (`30s`, `5m`; a bare number is seconds). */
export function durationMs(name: string, text: string | undefined, fallbackMs: number): number {
  if (text === undefined) return fallbackMs
  const ms = parseDuration(text)
  if (ms === null || ms <= 0) throw new UsageError(`${name} ${text}: give a duration such as 30s, 5m, 1h (a bare number is seconds)`)
  return ms
}

export function encodingOption(text: string | undefined): DeviceEncoding | 'mixed' {
  const encoding = text ?? 'mixed'
  if (encoding !== 'decoded' && encoding !== 'gatt' && encoding !== 'mixed') throw new UsageError(`--encoding ${encoding}: decoded, gatt or mixed`)
  return encoding
}
