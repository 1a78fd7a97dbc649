import { DeliveryError, type Destination, type Forwarded, type ForwardingTransport } from '../transport.js'
import { alertBundle } from './alert-bundle.js'
import { readingsBundle } from './readings-bundle.js'
import { summaryBundle } from '../summary/summary-report.js'
import type { FhirResource } from './identifiers.js'

export interface FhirRestTransportOptions {
  /** One request's deadline (default 10 s): a receiver that hangs is a failed try, retried later. */
  timeoutMs?: number
  /** Extra headers, e.g. `Authorization` from a configured token provider. */
  headers?: () => Promise<Record<string, string>> | Record<string, string>
}

/**
 * FHIR R4 REST to the recipient's own endpoint: one `batch` Bundle POSTed to
 * the base URL (FHIR R4 3.1.0.11 "batch/transaction"). Delivered only when the
 * answer is a `batch-response` whose every entry succeeded (2xx: created, or
 * found by ifNoneExist); otherwise the whole batch is tried again later, which
 * is safe because every entry is a conditional create.
 */
export function fhirRestTransport(options: FhirRestTransportOptions = {}): ForwardingTransport {
  const timeoutMs = options.timeoutMs ?? 10_000
  return {
    async deliver(destination: Destination, forwarded: Forwarded): Promise<void> {
      const bundle = bundleOf(forwarded)
      if (((bundle['entry'] as unknown[] | undefined) ?? []).length === 0) return // a day without readings: nothing to send
      let response: Response
      try {
        response = await fetch(destination.baseUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', ...(await options.headers?.()) },
          body: JSON.stringify(bundle),
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'error',
        })
      } catch (error) {
        throw new DeliveryError('recipient-unreachable', causeOf(error))
      }
      const text = await response.text().catch(() => '')
      if (!response.ok) throw new DeliveryError('recipient-refused', `http-${response.status}`)
      let answer: { resourceType?: unknown; type?: unknown; entry?: { response?: { status?: unknown } }[] }
      try {
        answer = JSON.parse(text) as typeof answer
      } catch {
        throw new DeliveryError('invalid-response', `http-${response.status}, not JSON`)
      }
      if (answer.resourceType !== 'Bundle' || answer.type !== 'batch-response') throw new DeliveryError('invalid-response', `http-${response.status}, not a batch-response Bundle`)
      const statuses = (answer.entry ?? []).map((e) => String(e.response?.status ?? ''))
      if (statuses.length !== ((bundle['entry'] as unknown[]).length)) throw new DeliveryError('invalid-response', `${statuses.length} answers to ${(bundle['entry'] as unknown[]).length} entries`)
      const failed = statuses.map((s, i) => [i, s] as const).filter(([, s]) => !/^2\d\d/.test(s))
      if (failed.length) throw new DeliveryError('entry-refused', failed.slice(0, 5).map(([i, s]) => `entry ${i}: ${s || 'no status'}`).join('; '))
    },
  }
}

export function bundleOf(forwarded: Forwarded): FhirResource {
  if (forwarded.kind === 'summary') return summaryBundle(forwarded.report)
  return forwarded.kind === 'alert' ? alertBundle(forwarded.alert, forwarded.organisation, forwarded.share) : readingsBundle(forwarded.patient, forwarded.readings)
}

/** The network failure's code (ECONNREFUSED, timeout), never a body. */
function causeOf(error: unknown): string {
  const e = error as { name?: string; cause?: { code?: string } }
  if (e.name === 'TimeoutError') return 'timeout'
  return e.cause?.code ?? e.name ?? 'fetch-failed'
}
