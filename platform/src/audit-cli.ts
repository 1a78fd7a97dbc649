import { parseArgs } from 'node:util'
import { createPool, verifyAuditChain } from '@varde/db'
import type { CliOutput } from './gateway-cli.js'

export const AUDIT_USAGE = `Usage: npm run varde -- audit verify [--tenant <tenant id>] [--json]

  audit verify     recompute the access log's hash chain (each tenant's entries in order) and name the
                   first broken link: an entry altered, removed or cut off behind the platform's back.
                   Exit code 0: every chain holds; 1: a chain is broken. Prints each tenant's head hash:
                   keep it somewhere else (a ticket, a signed mail) to prove later that the log up to it was whole.

Connects as the schema's owner (VARDE_MIGRATE_DATABASE_URL, else DATABASE_URL): the chain heads
are not the platform role's to read.`

/** `varde audit verify` (migration 0020, docs/decisions/0019-log-control.md). Returns the exit code. */
export async function runAuditCli(argv: string[], env: Record<string, string | undefined>, io: CliOutput): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: {
      tenant: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
    } })
  } catch (error) {
    io.err(`varde: ${(error as Error).message}\n\n${AUDIT_USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.help) { io.out(AUDIT_USAGE); return 0 }
  if (positionals[1] !== 'verify') { io.err(AUDIT_USAGE); return 2 }
  const url = env.VARDE_MIGRATE_DATABASE_URL ?? env.DATABASE_URL
  if (!url || !/^postgres(ql)?:\/\//.test(url)) { io.err(`varde: VARDE_MIGRATE_DATABASE_URL or DATABASE_URL (postgres://…) is required\n\n${AUDIT_USAGE}`); return 2 }
  const pool = createPool(url, { max: 1, applicationName: 'varde-cli-audit' })
  try {
    const report = await verifyAuditChain(pool, values.tenant ? { tenantId: values.tenant } : {})
    if (values.json) io.out(JSON.stringify(report))
    else {
      for (const t of report.tenants) {
        const broken = report.broken.find((b) => b.tenantId === t.tenantId)
        io.out(broken
          ? `${t.tenantId}: BROKEN at entry seq ${broken.seq}${broken.id ? ` (audit_log id ${broken.id})` : ' (entries missing at the end)'}: ${broken.problem}`
          : `${t.tenantId}: ${t.entries} entries, chain intact, head ${t.headHash}`)
      }
      if (report.tenants.length === 0) io.out('(no access-log entries)')
    }
    return report.broken.length === 0 ? 0 : 1
  } finally {
    await pool.end()
  }
}
