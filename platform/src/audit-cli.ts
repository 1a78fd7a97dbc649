import { readFile, writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { createPool, verifyAuditChain, type ExternalAnchor, type Queryable } from '@varde/db'
import type { CliOutput } from './gateway-cli.js'

export const AUDIT_USAGE = `Usage: npm run varde -- audit verify [--tenant <tenant id>] [--anchor <file>] [--json]
       npm run varde -- audit anchor [--tenant <tenant id>] [--out <file>]

  audit verify     recompute the access log's hash chain (each tenant's entries in order) and name the
                   first broken link: an entry altered, removed or cut off behind the platform's back.
                   Exit code 0: every chain holds; 1: a chain is broken. Prints each tenant's head hash:
                   keep it somewhere else (a ticket, a signed mail) to prove later that the log up to it was whole.
                   With --anchor, the chain must also still reach each head in that file with the same hash: a tail
                   cut off or rewritten together with the head is found (anchor-missing, anchor-mismatch).
                   Entries the retention purged start the chain from the purge's anchor (their links are gone);
                   the purge's own entry must confirm that cut (else cut-unconfirmed).

  audit anchor     print each tenant's head (seq and hash) with the time, as JSON, or write it to --out (never over
                   an existing file). Keep it outside the database, e.g. daily: it is what verify --anchor checks.

Connects as the schema's owner (VARDE_MIGRATE_DATABASE_URL, else DATABASE_URL): the chain heads
are not the platform role's to read.`

/** `varde audit verify` (migration 0020, docs/decisions/0019-log-control.md). Returns the exit code. */
export async function runAuditCli(argv: string[], env: Record<string, string | undefined>, io: CliOutput): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: {
      tenant: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
      anchor: { type: 'string' }, out: { type: 'string' },
    } })
  } catch (error) {
    io.err(`varde: ${(error as Error).message}\n\n${AUDIT_USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.help) { io.out(AUDIT_USAGE); return 0 }
  const command = positionals[1]
  if (command !== 'verify' && command !== 'anchor') { io.err(AUDIT_USAGE); return 2 }
  const url = env.VARDE_MIGRATE_DATABASE_URL ?? env.DATABASE_URL
  if (!url || !/^postgres(ql)?:\/\//.test(url)) { io.err(`varde: VARDE_MIGRATE_DATABASE_URL or DATABASE_URL (postgres://…) is required\n\n${AUDIT_USAGE}`); return 2 }
  let anchors: ExternalAnchor[] | undefined
  if (command === 'verify' && values.anchor !== undefined) {
    try {
      anchors = parseAnchorFile(await readFile(values.anchor, 'utf8'))
    } catch (error) {
      io.err(`varde: the anchor file ${values.anchor} cannot be used: ${(error as Error).message}`)
      return 2
    }
  }
  const pool = createPool(url, { max: 1, applicationName: 'varde-cli-audit' })
  try {
    if (command === 'anchor') return await writeAnchor(pool, values.tenant, values.out, io)
    const report = await verifyAuditChain(pool, { ...(values.tenant ? { tenantId: values.tenant } : {}), ...(anchors ? { anchors } : {}) })
    if (values.json) io.out(JSON.stringify(report))
    else {
      for (const t of report.tenants) {
        const broken = report.broken.find((b) => b.tenantId === t.tenantId)
        io.out(broken
          ? `${t.tenantId}: BROKEN at entry seq ${broken.seq}${broken.id ? ` (audit_log id ${broken.id})` : broken.problem === 'anchor-missing' ? ' (an anchored head is no longer in the log)' : ' (entries missing at the end)'}: ${broken.problem}`
          : `${t.tenantId}: ${t.entries} entries${t.fromSeq > 0 ? ` after the retention's cut at seq ${t.fromSeq}` : ''}, chain intact, head ${t.headHash}`)
      }
      if (report.tenants.length === 0) io.out('(no access-log entries)')
    }
    return report.broken.length === 0 ? 0 : 1
  } finally {
    await pool.end()
  }
}

/** What `audit anchor` writes: the tenants' heads at a time, kept by the operator outside the database. */
export interface AnchorFile { kind: 'varde-audit-anchor'; version: 1; at: string; tenants: ExternalAnchor[] }

async function writeAnchor(db: Queryable, tenantId: string | undefined, out: string | undefined, io: CliOutput): Promise<number> {
  const { rows } = await db.query<{ tenant_id: string; seq: string; hash: string; at: Date }>(
    `SELECT tenant_id, seq::text, hash, now() AS at FROM audit_chain_heads WHERE $1::text IS NULL OR tenant_id = $1 ORDER BY tenant_id`, [tenantId ?? null])
  const file: AnchorFile = {
    kind: 'varde-audit-anchor', version: 1, at: (rows[0]?.at ?? new Date()).toISOString(),
    tenants: rows.map((r) => ({ tenantId: r.tenant_id, seq: Number(r.seq), hash: r.hash })),
  }
  const text = `${JSON.stringify(file, null, 2)}\n`
  if (out === undefined) { io.out(text.trimEnd()); return 0 }
  try {
    await writeFile(out, text, { flag: 'wx' })
  } catch (error) {
    io.err(`varde: cannot write ${out}: ${(error as NodeJS.ErrnoException).code === 'EEXIST' ? 'it exists (an anchor is never overwritten)' : (error as Error).message}`)
    return 2
  }
  io.out(`${file.tenants.length} tenant head(s) anchored at ${file.at} in ${out}`)
  return 0
}

/** Reads an anchor file; throws with what is wrong (never trusts its shape). */
export function parseAnchorFile(text: string): ExternalAnchor[] {
  let data: unknown
  try { data = JSON.parse(text) } catch { throw new Error('not JSON') }
  const f = data as Partial<AnchorFile> | null
  if (!f || f.kind !== 'varde-audit-anchor' || f.version !== 1 || !Array.isArray(f.tenants)) throw new Error('not a varde-audit-anchor file of version 1')
  return f.tenants.map((t: unknown, i) => {
    const a = t as Partial<ExternalAnchor> | null
    if (!a || typeof a.tenantId !== 'string' || !Number.isSafeInteger(a.seq) || (a.seq as number) < 0 || typeof a.hash !== 'string' || !/^[0-9a-f]{64}$/.test(a.hash)) {
      throw new Error(`tenants[${i}] is not { tenantId, seq, hash }`)
    }
    return { tenantId: a.tenantId, seq: a.seq as number, hash: a.hash }
  })
}
