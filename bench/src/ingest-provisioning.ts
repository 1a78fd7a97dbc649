import { createPool, hashSecret } from '@varde/db'

export const BENCH_TENANT = 'bench'
export const BENCH_GATEWAY_SECRET = 'bench-gateway-secret'

export interface BenchGateway {
  id: string
  secret: string
}

/** The argon2id hash is slow by design: made once per bench run, shared by every bench gateway. */
let secretHash: Promise<string> | undefined

/**
 * Provisions the bench tenant with `count` patients and one gateway each,
 * straight into the platform's database, in three statements. All gateways
 * share one secret (and so one hash); the broker still verifies it at every
 * login.
 */
export async function provisionBenchGateways(databaseUrl: string, count: number): Promise<BenchGateway[]> {
  secretHash ??= hashSecret(BENCH_GATEWAY_SECRET)
  const pool = createPool(databaseUrl, { max: 1, applicationName: 'bench-provisioning' })
  try {
    await pool.query(`INSERT INTO tenants (id, name) VALUES ($1, 'Bench kommune')`, [BENCH_TENANT])
    await pool.query(
      `INSERT INTO patients (tenant_id, display_name) SELECT $1, 'Bench patient ' || lpad(i::text, 5, '0') FROM generate_series(1, $2) AS i`,
      [BENCH_TENANT, count],
    )
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO gateways (id, tenant_id, patient_id, secret_hash)
       SELECT 'bench-gw-' || right(display_name, 5), tenant_id, id, $2 FROM patients WHERE tenant_id = $1
       RETURNING id`,
      [BENCH_TENANT, await secretHash],
    )
    return rows.map((r) => ({ id: r.id, secret: BENCH_GATEWAY_SECRET })).sort((a, b) => a.id.localeCompare(b.id))
  } finally {
    await pool.end()
  }
}

/** Readings the database holds for the bench tenant: the check that what was receipted was stored. */
export async function countBenchReadings(databaseUrl: string): Promise<number> {
  const pool = createPool(databaseUrl, { max: 1, applicationName: 'bench-count' })
  try {
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM measurements WHERE tenant_id = $1', [BENCH_TENANT])
    return rows[0]?.n ?? 0
  } finally {
    await pool.end()
  }
}
