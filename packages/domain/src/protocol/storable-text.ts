/**
 * Text the database can hold. JSON may carry `\u0000` and lone surrogates
 * (`"\ud800"`) in a string, but PostgreSQL's text cannot hold NUL (the store
 * statement fails: `invalid byte sequence for encoding "UTF8": 0x00`, issue
 * 14) and a lone surrogate has no UTF-8 form (node-postgres would write
 * U+FFFD instead, so two different ids would become one key). The protocol's
 * strings that are stored are judged with this at the edge (schemas.ts).
 */

/** NUL, a high surrogate not followed by a low one, or a low one not preceded by a high one. */
// eslint-disable-next-line no-control-regex -- NUL is the very character to find
const unstorable = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
const unstorableAll = new RegExp(unstorable.source, 'g')

/**
 * device-protocol.md names no length; the database does: an index entry
 * holds at most about 2,700 bytes, and (gateway, batchId, id) is one. Ids
 * that long are no id a gateway needs (BLE addresses, serials, UUIDs).
 */
export const MAX_ID_LENGTH = 256

export function isStorableText(text: string): boolean {
  return !unstorable.test(text)
}

export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL (\\u0000) or an unpaired surrogate'

/**
 * The text with what the database cannot hold written as a JSON escape
 * (`\u0000`, `\ud800`): for columns that keep what a gateway sent for review
 * (a rejected id), where the exact input is kept besides in the raw JSON.
 */
export function toStorableText(text: string): string {
  return text.replace(unstorableAll, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
