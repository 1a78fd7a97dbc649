/** Error codes of device-protocol.md ("Receipts"). */
export const PROTOCOL_ERROR_CODES = [
  'malformed-batch',
  'invalid-field',
  'unknown-type',
  'unit-mismatch',
  'out-of-range',
  'gatt-decode',
  'gatt-unsupported',
  'unknown-device',
  'future-time',
  'too-large',
] as const

export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number]

/** The one typed error of the protocol: a code from the spec and a human-readable detail. */
export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode
  readonly detail: string
  constructor(code: ProtocolErrorCode, detail: string) {
    super(`${code}: ${detail}`)
    this.name = 'ProtocolError'
    this.code = code
    this.detail = detail
  }
}
