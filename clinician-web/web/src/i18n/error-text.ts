import { DETAIL_CODES } from '@varde/api-contract'
import { isApiError } from '../api/http'
import { isMessageKey, type I18n } from './i18n'
import type { MessageKey } from './nb'

/** The message key of an API error code (`error.<code>`), or null for a code this portal does not know. */
export function errorKey(code: string): MessageKey | null {
  const key = `error.${code}`
  return isMessageKey(key) ? key : null
}

/**
 * A failure in the reader's language. The server sends a code (its message is
 * English, for developers), which the portal translates; for the codes whose
 * message says the particular reason (a rule's limit, a body's field) that
 * reason is shown as sent.
 */
export function errorText(error: unknown, t: I18n['t']): string {
  if (!isApiError(error)) return error instanceof Error ? error.message : String(error)
  if (DETAIL_CODES.some((c) => c === error.code) && error.message) return error.message
  const key = errorKey(error.code)
  return key ? t(key) : t('error.unknown', { code: error.code })
}
