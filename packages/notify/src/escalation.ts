/**
 * What an escalation notice says. E-mail and webhooks leave the health
 * network, so a notice carries no health data and no patient name or id:
 * the tenant, the alert's id, its severity and rule, how long it has waited,
 * and a link into the portal, where the reader logs in to see the rest
 * (README "Privacy").
 */
export interface Escalation {
  tenantId: string
  alertId: string
  severity: 'red'
  ruleId: string
  redSince: Date
  escalatedAt: Date
  /** Whole minutes between turning red and escalation. */
  minutesUnacknowledged: number
  /** `<publicUrl>/alerts?alert=<id>` */
  alertUrl: string
}

/**
 * The notice for an escalated alert. Only the fields named here are copied:
 * whatever else the caller holds about the alert (its patient) stays behind.
 */
export function toEscalation(
  alert: { tenantId: string; alertId: string; ruleId: string; redSince: Date; escalatedAt: Date },
  publicUrl: string,
): Escalation {
  return {
    tenantId: alert.tenantId,
    alertId: alert.alertId,
    severity: 'red',
    ruleId: alert.ruleId,
    redSince: alert.redSince,
    escalatedAt: alert.escalatedAt,
    minutesUnacknowledged: Math.max(0, Math.floor((alert.escalatedAt.getTime() - alert.redSince.getTime()) / 60_000)),
    alertUrl: alertUrl(publicUrl, alert.alertId),
  }
}

/** The portal's page for one alert. */
export function alertUrl(publicUrl: string, alertId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/alerts?alert=${encodeURIComponent(alertId)}`
}

const osloTime = new Intl.DateTimeFormat('nb-NO', { timeZone: 'Europe/Oslo', dateStyle: 'short', timeStyle: 'short' })

/** Subject and plain text of the e-mail, in bokmål with an English line. */
export function composeEscalationMessage(e: Escalation): { subject: string; text: string } {
  return {
    subject: `[Varde ${e.tenantId}] Rødt varsel ikke kvittert ut på ${e.minutesUnacknowledged} min / Red alert not acknowledged`,
    text: [
      `Et rødt varsel i Varde er ikke kvittert ut etter ${e.minutesUnacknowledged} minutter.`,
      '',
      `Kommune (tenant): ${e.tenantId}`,
      `Varsel: ${e.alertId}`,
      'Alvorlighetsgrad: rød',
      `Regel: ${e.ruleId}`,
      `Rødt siden: ${osloTime.format(e.redSince)} (norsk tid)`,
      '',
      `Åpne varselet i Varde: ${e.alertUrl}`,
      '',
      'Meldingen inneholder med vilje ingen helseopplysninger og ingen navn: logg inn i Varde for å se pasienten og målingene.',
      '',
      `English: ${englishLine(e)}`,
      '',
    ].join('\n'),
  }
}

/**
 * The webhook's JSON body. `text` is a ready-made line, so chat tools that
 * take `{"text": …}` (Slack-style incoming webhooks) show it as it is.
 */
export function escalationWebhookBody(e: Escalation): Record<string, string | number> {
  return {
    event: 'alert.escalated',
    tenantId: e.tenantId,
    alertId: e.alertId,
    severity: e.severity,
    ruleId: e.ruleId,
    redSince: e.redSince.toISOString(),
    escalatedAt: e.escalatedAt.toISOString(),
    minutesUnacknowledged: e.minutesUnacknowledged,
    url: e.alertUrl,
    text: `Rødt varsel ikke kvittert ut på ${e.minutesUnacknowledged} min (${e.tenantId}, regel ${e.ruleId}): ${e.alertUrl}\n${englishLine(e)}`,
  }
}

function englishLine(e: Escalation): string {
  return `A red alert has not been acknowledged for ${e.minutesUnacknowledged} minutes (tenant ${e.tenantId}, alert ${e.alertId}, rule ${e.ruleId}). Open it in Varde: ${e.alertUrl}`
}
