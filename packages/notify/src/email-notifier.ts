import nodemailer, { type Transporter } from 'nodemailer'
import { composeEscalationMessage, type Escalation } from './escalation.js'
import { NotifyError, type Notifier } from './notifier.js'

export interface EmailNotifierOptions {
  /** `smtp://[user:pass@]host:port` (STARTTLS when the server offers it) or `smtps://…` (TLS from the start). */
  smtpUrl: string
  from: string
  to: string[]
  /** Connection, greeting and socket timeouts; default 10 s. */
  timeoutMs?: number
  name?: string
}

/** Sends the escalation as a plain-text e-mail over SMTP (nodemailer), one connection per notice. */
export class EmailNotifier implements Notifier {
  readonly name: string
  readonly #from: string
  readonly #to: string[]
  readonly #transport: Transporter

  constructor(options: EmailNotifierOptions) {
    this.name = options.name ?? 'email'
    this.#from = options.from
    this.#to = options.to
    const timeoutMs = options.timeoutMs ?? 10_000
    this.#transport = nodemailer.createTransport({
      url: options.smtpUrl, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs,
    })
  }

  async notify(escalation: Escalation): Promise<void> {
    const { subject, text } = composeEscalationMessage(escalation)
    try {
      await this.#transport.sendMail({ from: this.#from, to: this.#to, subject, text })
    } catch (error) {
      throw new NotifyError('smtp', error instanceof Error ? error.message : String(error))
    }
  }
}
