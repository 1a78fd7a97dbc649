import { createHash } from 'node:crypto'
import type { Queryable } from './pool.js'

/** The previous hash of each tenant's first entry (migration 0020). */
export const AUDIT_GENESIS_HASH = '0'.repeat(64)

export interface BrokenLink {
  tenantId: string
  /** The entry where the chain breaks (its id), or null when entries are missing at the end. */
  id: string | null
  seq: number
  problem: 'hash-mismatch' | 'prev-hash-mismatch' | 'missing-entries' | 'head-mismatch' | 'anchor-mismatch' | 'anchor-missing' | 'cut-unconfirmed'
}

/** A head kept outside the database (`audit anchor`): the chain must still reach this entry with this hash. */
export interface ExternalAnchor { tenantId: string; seq: number; hash: string }

export interface ChainReport {
  /** entries: how many were checked, after the retention's cut (fromSeq: the last entry purged, 0 when none). */
  tenants: { tenantId: string; entries: number; fromSeq: number; headSeq: number; headHash: string }[]
  /** The first broken link of each tenant whose chain is broken (in tenant order). */
  broken: BrokenLink[]
}

interface LinkRow {
  id: string; tenant_id: string; seq: string; prev_hash: string; hash: string; canonical: string
  /** A purge's own entry: where it cut (details.throughSeq, details.anchorHash). */
  purge_through: string | null; purge_hash: string | null
}

/**
 * Recomputes every link of the access log's hash chain (migration 0020,
 * docs/decisions/0019-log-control.md): per tenant in seq order, each entry's
 * prev_hash is the hash before it, its seq one more, and its hash
 * sha256(prev_hash || '|' || canonical row), computed here rather than by
 * the database, so a replaced hash function in SQL is not trusted. Reads
 * in pages (keyset on tenant and seq): a long log is never held at once.
 * The end is checked against the tenant's head, so cutting off the newest
 * entries is found too. Run as the owner (the heads are not the platform's).
 *
 * A chain whose oldest entries the retention purged (migration 0024) starts
 * from its newest anchor: the seq and hash of the last entry deleted; the
 * purge's own chained entry after the cut must say the same, or the cut is
 * `cut-unconfirmed` (an anchor row forged and the entries before it deleted
 * behind the purge's back). Heads kept outside the database (`anchors`,
 * from `audit anchor`) must still be in the chain with the same hash: a tail cut off or rewritten together with
 * the head (which the chain alone cannot show) is named `anchor-missing` or
 * `anchor-mismatch`; an anchored entry since purged is not checked.
 */
export async function verifyAuditChain(
  db: Queryable, opts: { tenantId?: string; pageSize?: number; anchors?: ExternalAnchor[] } = {},
): Promise<ChainReport> {
  const pageSize = opts.pageSize ?? 5000
  const { rows: heads } = await db.query<{ tenant_id: string; seq: string; hash: string }>(
    'SELECT tenant_id, seq, hash FROM audit_chain_heads WHERE $1::text IS NULL OR tenant_id = $1 ORDER BY tenant_id', [opts.tenantId ?? null])
  const { rows: logged } = await db.query<{ tenant_id: string }>(
    'SELECT DISTINCT tenant_id FROM audit_log WHERE $1::text IS NULL OR tenant_id = $1', [opts.tenantId ?? null])
  const { rows: cuts } = await db.query<{ tenant_id: string; seq: string; hash: string }>(
    `SELECT DISTINCT ON (tenant_id) tenant_id, seq::text, hash FROM audit_anchors
      WHERE $1::text IS NULL OR tenant_id = $1 ORDER BY tenant_id, seq DESC`, [opts.tenantId ?? null])
  const external = (opts.anchors ?? []).filter((a) => !opts.tenantId || a.tenantId === opts.tenantId)
  const tenantIds = [...new Set([...heads.map((h) => h.tenant_id), ...logged.map((r) => r.tenant_id), ...external.map((a) => a.tenantId)])].sort()
  const report: ChainReport = { tenants: [], broken: [] }
  for (const tenantId of tenantIds) {
    const head = heads.find((h) => h.tenant_id === tenantId)
    const cut = cuts.find((c) => c.tenant_id === tenantId)
    const fromSeq = cut ? Number(cut.seq) : 0
    let prev = cut ? cut.hash : AUDIT_GENESIS_HASH
    let seq = fromSeq
    const expected = external.filter((a) => a.tenantId === tenantId && a.seq > fromSeq)
    let broken: BrokenLink | null = null
    let cutConfirmed = !cut
    for (;;) {
      const { rows } = await db.query<LinkRow>(
        `SELECT id::text, tenant_id, seq::text, prev_hash, hash, audit_canonical(a) AS canonical,
                CASE WHEN a.action = 'purge' THEN a.details->>'throughSeq' END AS purge_through,
                CASE WHEN a.action = 'purge' THEN a.details->>'anchorHash' END AS purge_hash
           FROM audit_log a
          WHERE a.tenant_id = $1 AND a.seq > $2 ORDER BY a.seq LIMIT $3`, [tenantId, seq, pageSize])
      for (const r of rows) {
        const at = Number(r.seq)
        const link = (problem: BrokenLink['problem'], id: string | null = r.id): BrokenLink => ({ tenantId, id, seq: at, problem })
        if (at !== seq + 1) broken = link('missing-entries')
        else if (r.prev_hash !== prev) broken = link('prev-hash-mismatch')
        else if (linkHash(prev, r.canonical) !== r.hash) broken = link('hash-mismatch')
        else if (expected.some((a) => a.seq === at && a.hash !== r.hash)) broken = link('anchor-mismatch')
        if (broken) break
        if (cut && r.purge_through === cut.seq && r.purge_hash === cut.hash) cutConfirmed = true
        prev = r.hash
        seq = at
      }
      if (broken || rows.length < pageSize) break
    }
    if (!broken && head && (Number(head.seq) !== seq || head.hash !== prev)) {
      broken = { tenantId, id: null, seq: seq + 1, problem: Number(head.seq) > seq ? 'missing-entries' : 'head-mismatch' }
    }
    if (!broken && !cutConfirmed) broken = { tenantId, id: null, seq: fromSeq, problem: 'cut-unconfirmed' }
    const beyond = expected.filter((a) => a.seq > seq).sort((a, b) => a.seq - b.seq)[0]
    if (!broken && beyond) broken = { tenantId, id: null, seq: beyond.seq, problem: 'anchor-missing' }
    if (broken) report.broken.push(broken)
    report.tenants.push({ tenantId, entries: seq - fromSeq, fromSeq, headSeq: seq, headHash: prev })
  }
  return report
}

/** One link: sha256 of the previous hash, '|' and the canonical row, in hex (as audit_link_hash in SQL). */
export function linkHash(prevHash: string, canonical: string): string {
  return createHash('sha256').update(`${prevHash}|${canonical}`, 'utf8').digest('hex')
}
