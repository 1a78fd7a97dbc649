import type { MyAnswer, MyAnswerInput, MyPage, PatientObjection, Trend } from '@varde/api-contract'
import { requestJson } from './http'

/** GET /api/me/page: the patient's own page (issue 25). */
export function getMyPage(signal?: AbortSignal): Promise<MyPage> {
  return requestJson('GET', '/api/me/page', signal ? { signal } : {})
}

/** POST /api/me/objections: against all sharing beyond the municipal team, or one recipient of `recipients`. */
export function objectToSharing(memberId: string | null): Promise<PatientObjection> {
  return requestJson('POST', '/api/me/objections', { body: memberId ? { scope: 'recipient', memberId } : { scope: 'all-beyond-municipal' } })
}

/** POST /api/me/objections/:id/withdraw */
export function withdrawMyObjection(id: string): Promise<PatientObjection> {
  return requestJson('POST', `/api/me/objections/${encodeURIComponent(id)}/withdraw`)
}

/** GET /api/me/trends: my trend of one vital (issue 25), as the staff trend answers it. */
export function getMyTrend(q: { vital: string; from: string; to: string }, signal?: AbortSignal): Promise<Trend> {
  return requestJson('GET', `/api/me/trends?${new URLSearchParams(q)}`, signal ? { signal } : {})
}

/** POST /api/me/answers: my answer to a questionnaire (ADR 0042); the same clientId again is the same answer. */
export function sendMyAnswer(body: MyAnswerInput): Promise<MyAnswer> {
  return requestJson('POST', '/api/me/answers', { body })
}
