import { z } from 'zod'

/**
 * Escalation of unacknowledged red alerts (issue 5): after how long, how often
 * to look, and where to send the notice (a webhook, e-mail, or both). Part of
 * the platform's one environment schema (`platformEnvSchema`).
 */
const urlWithProtocol = (protocols: string[], message: string) =>
  z.string().refine((s) => {
    try {
      const u = new URL(s)
      return protocols.includes(u.protocol) && u.hostname !== ''
    } catch {
      return false
    }
  }, message)
const httpUrl = urlWithProtocol(['http:', 'https:'], 'must be an http:// or https:// URL')

export const escalationEnvShape = {
  /** A red alert not acknowledged this many minutes after it turned red is escalated once. */
  VARDE_ESCALATION_MINUTES: z.coerce.number().positive('must be a positive number of minutes').max(7 * 24 * 60).default(15),
  /** How often to look for due escalations, in seconds. */
  VARDE_ESCALATION_CHECK_S: z.coerce.number().positive('must be a positive number of seconds').max(3600).default(15),
  VARDE_ESCALATION_WEBHOOK_URL: httpUrl.optional(),
  /** HMAC-SHA256 key for the webhook's `X-Varde-Signature`. */
  VARDE_ESCALATION_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  VARDE_SMTP_URL: urlWithProtocol(['smtp:', 'smtps:'], 'must be an smtp://host:port or smtps://host:port URL').optional(),
  /** Comma-separated recipients of the escalation e-mail. */
  VARDE_ESCALATION_EMAIL_TO: z.string().optional(),
  VARDE_ESCALATION_EMAIL_FROM: z.email('must be an e-mail address').optional(),
  /** The portal's address as users reach it: the notices link to `<this>/alerts?alert=<id>`. */
  VARDE_PUBLIC_URL: httpUrl.optional(),
}

type EscalationEnv = z.output<z.ZodObject<typeof escalationEnvShape>>

export interface EscalationConfig {
  afterMinutes: number
  checkIntervalMs: number
  /** Unset: no webhook. */
  webhook: { url: string; secret: string | undefined } | undefined
  /** Unset: no e-mail. */
  email: { smtpUrl: string; from: string; to: string[] } | undefined
}

const emailAddress = z.email()

/** The escalation part of the configuration; problems are added to `problems` with the variable's name. */
export function escalationConfigOf(e: EscalationEnv, problems: string[]): EscalationConfig {
  if (e.VARDE_ESCALATION_WEBHOOK_SECRET && !e.VARDE_ESCALATION_WEBHOOK_URL)
    problems.push('VARDE_ESCALATION_WEBHOOK_SECRET: set without VARDE_ESCALATION_WEBHOOK_URL')
  const to = (e.VARDE_ESCALATION_EMAIL_TO ?? '').split(',').map((s) => s.trim()).filter(Boolean)
  for (const address of to) {
    if (!emailAddress.safeParse(address).success) problems.push(`VARDE_ESCALATION_EMAIL_TO: '${address}' is not an e-mail address`)
  }
  if (e.VARDE_SMTP_URL && to.length === 0) problems.push('VARDE_ESCALATION_EMAIL_TO: required with VARDE_SMTP_URL (comma-separated addresses)')
  if (e.VARDE_SMTP_URL && !e.VARDE_ESCALATION_EMAIL_FROM) problems.push('VARDE_ESCALATION_EMAIL_FROM: required with VARDE_SMTP_URL')
  if (!e.VARDE_SMTP_URL && (to.length > 0 || e.VARDE_ESCALATION_EMAIL_FROM))
    problems.push('VARDE_SMTP_URL: required to send the escalation e-mail (VARDE_ESCALATION_EMAIL_TO/FROM are set)')
  return {
    afterMinutes: e.VARDE_ESCALATION_MINUTES,
    checkIntervalMs: Math.round(e.VARDE_ESCALATION_CHECK_S * 1000),
    webhook: e.VARDE_ESCALATION_WEBHOOK_URL ? { url: e.VARDE_ESCALATION_WEBHOOK_URL, secret: e.VARDE_ESCALATION_WEBHOOK_SECRET } : undefined,
    email:
      e.VARDE_SMTP_URL && e.VARDE_ESCALATION_EMAIL_FROM && to.length > 0
        ? { smtpUrl: e.VARDE_SMTP_URL, from: e.VARDE_ESCALATION_EMAIL_FROM, to }
        : undefined,
  }
}

/** The webhook URL as printed at start: its path and query (often a token) hidden. */
export function maskWebhookUrl(url: string): string {
  try {
    return `${new URL(url).origin}/…`
  } catch {
    return '(unparseable URL)'
  }
}
