import { API_ERROR_CODES } from '@varde/api-contract'
import { expect, test } from 'vitest'
import { ApiError } from '../api/http'
import { en } from './en'
import { errorKey, errorText } from './error-text'
import { makeI18n } from './i18n'
import { nb } from './nb'

test('every code of the API has a text in bokmål and in English', () => {
  const missing = API_ERROR_CODES.filter((code) => {
    const key = errorKey(code)
    return key === null || !nb[key].trim() || !en[key].trim()
  })
  expect(missing).toEqual([])
})

test("says a coded failure in the reader's language, not the server's English message", () => {
  const error = new ApiError(409, 'already-resolved', 'The alert is already resolved.')
  expect(errorText(error, makeI18n('nb', () => {}).t)).toBe('Varselet er allerede avsluttet.')
  expect(errorText(error, makeI18n('en', () => {}).t)).toBe('The alert is already resolved.')
})

test("shows a rule's refusal as the server's detail, and names a code it does not know", () => {
  const { t } = makeI18n('nb', () => {})
  expect(errorText(new ApiError(400, 'invalid-override', 'threshold:spo2 v1: too small'), t)).toBe(
    'threshold:spo2 v1: too small',
  )
  expect(errorText(new ApiError(418, 'teapot', 'I am a teapot'), t)).toBe('Noe gikk galt (teapot).')
  expect(errorText(new ApiError(0, 'network', 'Failed to fetch'), t)).toBe(
    'Får ikke kontakt med serveren.',
  )
})
