import type { DpopAuth } from '../auth.js'
import { DeliveryError, type DeliveryReceipt, type Destination, type Forwarded, type ForwardingTransport } from '../transport.js'
import { pmdBundle, type PmdEntryRef } from './pmd-bundle.js'

export interface PmdTransportOptions {
  /** DPoP-bound HelseID tokens, asked per request (auth.ts). */
  auth: DpopAuth
  /** One request's deadline (default 30 s: a day's batch of many patients is larger than an alert). */
  timeoutMs?: number
}

interface BatchResponse { resourceType?: unknown; type?: unknown; entry?: { fullUrl?: unknown; response?: { status?: unknown } }[] }

/**
 * Pasientens måledata 2.0 (Norsk helsenett; issue 18, docs/decisions/0018):
 * a day's readings POSTed to the base URL as a `pmd-Bundle-Observation`,
 * with a DPoP-bound token (one retry with the server's nonce when it answers
 * 401 `use_dpop_nonce`). The `pmd-Bundle-Response` answers each entry on its
 * own: a 2xx is delivered, a 4xx (not 408/429) is that reading's dead letter
 * while the others stand, anything else tries the whole batch again (safe:
 * each entry's fullUrl is the reading's own id, so PMD sees the same reading).
 * PMD takes Observations only: alerts and summaries go by FHIR REST.
 */
export function pmdTransport(options: PmdTransportOptions): ForwardingTransport {
  const timeoutMs = options.timeoutMs ?? 30_000
  const nonces = new Map<string, string>() // by origin: the last nonce a server gave, used until it asks for another
  return {
    async deliver(destination: Destination, forwarded: Forwarded): Promise<void | DeliveryReceipt> {
      if (forwarded.kind !== 'readings') throw new DeliveryError('recipient-refused', `pmd takes readings only, not ${forwarded.kind}`)
      const { patient, sender } = forwarded
      if (!patient.nationalId) {
        // PMD files by national id: without one no reading can go, and no retry will change that
        return { refused: [{ readingIds: forwarded.readings.map((r) => r.id), status: 'not-sent: the patient has no national id' }] }
      }
      if (!sender?.organisationNumber || !sender.municipalityNumber) throw new DeliveryError('not-configured', 'the tenant has no organisation or municipality number (migration 0019)')
      const { bundle, entries, refused: unsendable } = pmdBundle(
        { ...patient, nationalId: patient.nationalId }, forwarded.readings,
        { ...sender, organisationNumber: sender.organisationNumber, municipalityNumber: sender.municipalityNumber },
      )
      const refused: DeliveryReceipt['refused'] = unsendable.map((r) => ({ readingIds: r.readingIds, status: `not-sent: ${r.reason}` }))
      if (entries.length === 0) return { refused }
      const answer = await post(destination.baseUrl, JSON.stringify(bundle))
      return { refused: [...refused, ...settleEntries(entries, answer)] }
    },
  }

  async function post(url: string, body: string): Promise<BatchResponse> {
    const origin = new URL(url).origin
    let response = await send(url, body, nonces.get(origin))
    const nonce = response.headers.get('dpop-nonce')
    if (response.status === 401 && nonce && /use_dpop_nonce/.test(response.headers.get('www-authenticate') ?? '')) {
      await response.body?.cancel()
      nonces.set(origin, nonce)
      response = await send(url, body, nonce) // once: a second refusal is a failed try, retried later with backoff
    } else if (nonce) {
      nonces.set(origin, nonce)
    }
    const text = await response.text().catch(() => '')
    if (response.status === 401 || response.status === 403) throw new DeliveryError('unauthorized', `http-${response.status} ${dpopError(response)}`.trim())
    if (!response.ok) throw new DeliveryError('recipient-refused', `http-${response.status}`)
    try {
      return JSON.parse(text) as BatchResponse
    } catch {
      throw new DeliveryError('invalid-response', `http-${response.status}, not JSON`)
    }
  }

  async function send(url: string, body: string, nonce: string | undefined): Promise<Response> {
    try {
      const auth = await options.auth.headersFor('POST', url, nonce)
      return await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', ...auth },
        body,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      })
    } catch (error) {
      if (error instanceof DeliveryError) throw error
      throw new DeliveryError('recipient-unreachable', causeOf(error))
    }
  }
}

/** Matches the batch-response's entries to ours by fullUrl (in order when the answer names none); throws when one is to be tried again. */
function settleEntries(sent: PmdEntryRef[], answer: BatchResponse): DeliveryReceipt['refused'] {
  if (answer.resourceType !== 'Bundle' || answer.type !== 'batch-response') throw new DeliveryError('invalid-response', 'not a batch-response Bundle')
  const got = answer.entry ?? []
  if (got.length !== sent.length) throw new DeliveryError('invalid-response', `${got.length} answers to ${sent.length} entries`)
  const refused: DeliveryReceipt['refused'] = []
  const transient: string[] = []
  got.forEach((e, i) => {
    const mine = sent[i] as PmdEntryRef
    if (e.fullUrl !== undefined && e.fullUrl !== mine.fullUrl) throw new DeliveryError('invalid-response', `entry ${i} answers another fullUrl`)
    const status = String(e.response?.status ?? '')
    const code = Number(/^\d{3}/.exec(status)?.[0] ?? 0)
    if (code >= 200 && code < 300) return
    if (code >= 400 && code < 500 && code !== 408 && code !== 429) refused.push({ readingIds: mine.readingIds, status: `refused: ${status.slice(0, 60)}` })
    else transient.push(`entry ${i}: ${status || 'no status'}`)
  })
  if (transient.length) throw new DeliveryError('entry-refused', transient.slice(0, 5).join('; '))
  return refused
}

function dpopError(response: Response): string {
  return /error="([a-z_]+)"/.exec(response.headers.get('www-authenticate') ?? '')?.[1] ?? ''
}

/** The network failure's code (ECONNREFUSED, timeout), never a body. */
function causeOf(error: unknown): string {
  const e = error as { name?: string; cause?: { code?: string } }
  if (e.name === 'TimeoutError') return 'timeout'
  return e.cause?.code ?? e.name ?? 'fetch-failed'
}
