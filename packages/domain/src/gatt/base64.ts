import { ProtocolError } from '../errors.js'

/** RFC 4648 §4 base64 (standard alphabet), as device-protocol.md's `gatt.data`. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const VALUE_OF = new Map([...ALPHABET].map((c, i) => [c, i]))

/**
 * Decodes standard base64. Padding is optional but, when present, must be
 * right; whitespace and the URL-safe alphabet are refused. Throws
 * ProtocolError `gatt-decode`.
 */
export function decodeBase64(text: string): Uint8Array {
  const unpadded = text.endsWith('==')
    ? text.slice(0, -2)
    : text.endsWith('=')
      ? text.slice(0, -1)
      : text
  if (unpadded !== text && text.length % 4 !== 0) {
    throw new ProtocolError('gatt-decode', 'data is not valid base64 (bad padding)')
  }
  if (unpadded.length % 4 === 1)
    throw new ProtocolError('gatt-decode', 'data is not valid base64 (bad length)')
  const bytes = new Uint8Array(Math.floor((unpadded.length * 3) / 4))
  let buffer = 0
  let bits = 0
  let out = 0
  for (const char of unpadded) {
    const value = VALUE_OF.get(char)
    if (value === undefined) {
      throw new ProtocolError(
        'gatt-decode',
        `data is not valid base64 (character ${JSON.stringify(char)})`,
      )
    }
    buffer = ((buffer << 6) | value) & 0xffffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      bytes[out++] = (buffer >> bits) & 0xff
    }
  }
  return bytes
}

/** Encodes bytes as standard base64 with padding. */
export function encodeBase64(bytes: Uint8Array): string {
  let text = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] ?? 0
    const b = bytes[i + 1] ?? 0
    const c = bytes[i + 2] ?? 0
    const triple = (a << 16) | (b << 8) | c
    text += ALPHABET[(triple >> 18) & 63]
    text += ALPHABET[(triple >> 12) & 63]
    text += i + 1 < bytes.length ? ALPHABET[(triple >> 6) & 63] : '='
    text += i + 2 < bytes.length ? ALPHABET[triple & 63] : '='
  }
  return text
}
