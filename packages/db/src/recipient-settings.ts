import type { Queryable } from './pool.js'

/**
 * A forwarding recipient's settings as its tenant's administrator keeps them
 * (issue 18's left-over, /admin/deliveries): the name the staff see, the
 * FHIR endpoint, and what it gets. Organisation number, HER-id and transport
 * are the recipient's identity and are not edited here: a new organisation is
 * a new recipient.
 */
export interface RecipientSettings {
  id: string
  name: string
  organisationNumber: string | null
  herId: string | null
  transport: 'fhir-rest' | 'pmd'
  /** null: the demo receiver built into demo mode, or the national route's own address. */
  baseUrl: string | null
  isDemo: boolean
  sends: { redAlerts: boolean; dailyReadings: boolean; weeklySummary: boolean }
}

export interface RecipientChange {
  name?: string
  baseUrl?: string
  sends?: Partial<RecipientSettings['sends']>
}

export type RecipientChangeFailure = 'not-found' | 'name-taken'

interface Row {
  id: string; name: string; organisation_number: string | null; her_id: string | null; transport: 'fhir-rest' | 'pmd'
  base_url: string | null; is_demo: boolean; sends_red_alerts: boolean; sends_daily_readings: boolean; sends_weekly_summary: boolean
}

const COLUMNS = 'id, name, organisation_number, her_id, transport, base_url, is_demo, sends_red_alerts, sends_daily_readings, sends_weekly_summary'

const toSettings = (r: Row): RecipientSettings => ({
  id: r.id, name: r.name, organisationNumber: r.organisation_number, herId: r.her_id, transport: r.transport, baseUrl: r.base_url,
  isDemo: r.is_demo, sends: { redAlerts: r.sends_red_alerts, dailyReadings: r.sends_daily_readings, weeklySummary: r.sends_weekly_summary },
})

export async function listRecipientSettings(db: Queryable, tenantId: string): Promise<RecipientSettings[]> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM forwarding_recipients WHERE tenant_id = $1 ORDER BY name, id`, [tenantId])
  return rows.map(toSettings)
}

/** Changes what is given (one statement); the deliveries already queued keep their recipient and go to its new address. */
export async function changeRecipientSettings(
  db: Queryable, q: { tenantId: string; id: string; change: RecipientChange },
): Promise<{ ok: true; recipient: RecipientSettings } | { ok: false; code: RecipientChangeFailure }> {
  const c = q.change
  try {
    const { rows } = await db.query<Row>(
      `UPDATE forwarding_recipients SET
          name = coalesce($3, name), base_url = coalesce($4, base_url),
          sends_red_alerts = coalesce($5, sends_red_alerts), sends_daily_readings = coalesce($6, sends_daily_readings),
          sends_weekly_summary = coalesce($7, sends_weekly_summary)
        WHERE tenant_id = $1 AND id = $2
        RETURNING ${COLUMNS}`,
      [q.tenantId, q.id, c.name ?? null, c.baseUrl ?? null, c.sends?.redAlerts ?? null, c.sends?.dailyReadings ?? null, c.sends?.weeklySummary ?? null],
    )
    return rows[0] ? { ok: true, recipient: toSettings(rows[0]) } : { ok: false, code: 'not-found' }
  } catch (error) {
    if ((error as { code?: string }).code === '23505') return { ok: false, code: 'name-taken' }
    throw error
  }
}
