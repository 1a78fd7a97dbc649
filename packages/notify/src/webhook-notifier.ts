import { createHmac } from 'node:crypto'
import { escalationWebhookBody, type Escalation } from './escalation.js'
import { NotifyError, type Notifier } from './notifier.js'

export interface WebhookNotifierOptions {
  url: string
  /** Signs the body: `X-Varde-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. */
  secret?: string | undefined
  /** Per attempt; default 10 s. */
  timeoutMs?: number
  name?: string
}

export const SIGNATURE_HEADER = 'X-Varde-Signature'

/** `sha256=<hex>`: what a receiver recomputes over the raw body, with the shared secret, and compares in constant time. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

/** POSTs the escalation as JSON; anything but a 2xx answer in time is a failure (redirects too). */
export class WebhookNotifier implements Notifier {
  readonly name: string
  readonly #url: string
  readonly #secret: string | undefined
  readonly #timeoutMs: number
  readonly #origin: string

  constructor(options: WebhookNotifierOptions) {
    this.name = options.name ?? 'webhook'
    this.#url = options.url
    this.#secret = options.secret
    this.#timeoutMs = options.timeoutMs ?? 10_000
    this.#origin = new URL(options.url).origin
  }

  async notify(escalation: Escalation): Promise<void> {
    const body = JSON.stringify(escalationWebhookBody(escalation))
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'varde-escalation' }
    if (this.#secret) headers[SIGNATURE_HEADER] = signBody(this.#secret, body)
    let response: Response
    try {
      response = await fetch(this.#url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.#timeoutMs) })
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') throw new NotifyError('timeout', `no answer from ${this.#origin} within ${this.#timeoutMs} ms`)
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error)
      throw new NotifyError('network', `${this.#origin}: ${cause}`)
    }
    await response.body?.cancel() // the answer's content is not ours to keep; free the connection
    if (response.status < 200 || response.status > 299) throw new NotifyError('http-status', `${this.#origin} answered HTTP ${response.status}`)
  }
}
