import type { Queryable } from './pool.js'

/**
 * The demo users the HelseID stand-in's test personnel log in as
 * (packages/helseid personnel.ts; a test holds the two lists together): an
 * HPR number each, and the national-id pseudonym HelseID would give. Vera
 * Vikar is a user in both demo tenants under one HPR number.
 */
export const DEMO_HELSEID_IDENTITIES: Readonly<Record<string, { hprNumber: string; pidPseudonym: string }>> = {
  sykepleier: { hprNumber: '9100001', pidPseudonym: 'c3lrZXBsZWllci1wc2V1ZG9ueW0=' },
  lege: { hprNumber: '9100002', pidPseudonym: 'bGVnZS1wc2V1ZG9ueW0=' },
  fastlege: { hprNumber: '9100003', pidPseudonym: 'ZmFzdGxlZ2UtcHNldWRvbnlt' },
  // one person, a user in two tenants (demo and nabo): picks the tenant after login
  vikar: { hprNumber: '9100004', pidPseudonym: 'dmlrYXItcHNldWRvbnlt' },
  'nabo-vikar': { hprNumber: '9100004', pidPseudonym: 'dmlrYXItcHNldWRvbnlt' },
}

/** Gives the demo users their HelseID identities where they have none (a restart changes nothing). */
export async function seedDemoHelseIdIdentities(db: Queryable): Promise<void> {
  const entries = Object.entries(DEMO_HELSEID_IDENTITIES)
  await db.query(
    `UPDATE users u SET hpr_number = coalesce(u.hpr_number, d.hpr), pid_pseudonym = coalesce(u.pid_pseudonym, d.pid)
       FROM unnest($1::text[], $2::text[], $3::text[]) AS d(username, hpr, pid)
      WHERE u.username = d.username AND u.is_demo`,
    [entries.map(([u]) => u), entries.map(([, i]) => i.hprNumber), entries.map(([, i]) => i.pidPseudonym)],
  )
}
