import type { EscalationConfig } from '@varde/config'
import { EmailNotifier } from './email-notifier.js'
import type { Notifier } from './notifier.js'
import { WebhookNotifier } from './webhook-notifier.js'

/** The notifiers the configuration names (`VARDE_ESCALATION_WEBHOOK_URL`, `VARDE_SMTP_URL`); none when neither is set. */
export function buildNotifiers(config: { escalation: EscalationConfig }): Notifier[] {
  const notifiers: Notifier[] = []
  const { webhook, email } = config.escalation
  if (webhook) notifiers.push(new WebhookNotifier({ url: webhook.url, secret: webhook.secret }))
  if (email) notifiers.push(new EmailNotifier({ smtpUrl: email.smtpUrl, from: email.from, to: email.to }))
  return notifiers
}
