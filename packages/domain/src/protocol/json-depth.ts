/**
 * How deeply a JSON text nests arrays and objects, read without parsing it
 * (brackets inside strings do not count), stopping as soon as `limit` is
 * passed. A batch is at most four levels deep (batch, measurements, a
 * measurement, its gatt); JSON.parse takes a 100,000-deep array under the
 * size limit, but everything that walks the value afterwards recursively
 * (JSON.stringify of the raw kept for review, String()) overflows the stack:
 * such a batch is refused before it is parsed.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0
  let isInString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (isInString) {
      if (c === 0x5c) i++ // backslash: the next character is escaped
      else if (c === 0x22) isInString = false
    } else if (c === 0x22) isInString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return false
}
