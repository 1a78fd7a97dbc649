import { userInfo } from 'node:os'
import { parseArgs } from 'node:util'
import { createPool, type ProvisioningFailure } from '@varde/db'
import { accessFailureCode, serviceAccess } from '@varde/server'

export interface CliOutput {
  out(line: string): void
  err(line: string): void
}

export const CLI_USAGE = `Usage: npm run varde -- gateway <command> --tenant <tenant id> [options]
       npm run varde -- audit verify   (see: npm run varde -- audit --help)

  gateway create --patient <patient id> [--id <gateway id>]   create a gateway for a patient; prints its secret ONCE
  gateway rotate <gateway id>                                 new secret (printed once); the old one stops working
  gateway revoke <gateway id>                                 cut the gateway off for good (stolen, retired)
  gateway list                                                the tenant's gateways and paired devices
  gateway pair <gateway id> --device <device id>              pair a device (BLE address or serial) with the patient
  gateway unpair <gateway id> --device <device id>

Options: --json (machine-readable output). The CLI talks to the database, through the
same access layer as the admin API (audited as cli:<os user>):
set DATABASE_URL (production), or, for a running demo on the embedded database, the
"Database:" URL it printed at start (set VARDE_DB_PORT to keep that port across restarts).
A connected gateway that is rotated or revoked is disconnected by the broker within about
a second (it checks the database for changed credentials every second).`

const MESSAGES: Record<ProvisioningFailure, string> = {
  'not-found': 'no such gateway in this tenant',
  'patient-not-found': 'no such patient in this tenant',
  'patient-has-gateway': 'the patient already has an active gateway; revoke it first',
  'invalid-id': 'a gateway id is 3 to 64 of A-Z a-z 0-9 . _ -',
  'id-taken': 'that gateway id is taken',
  revoked: 'the gateway is revoked',
  'device-paired-elsewhere': 'the device is paired to another patient\'s gateway; unpair it there first',
}

/**
 * `varde gateway …`: provisioning from the command line through the server's
 * access layer with a service actor (`serviceAccess`, issue 15): the same
 * methods, checks, coded errors and access-log entries as the admin API,
 * audited as `cli:<os user>`. Returns the exit code.
 */
export async function runCli(argv: string[], env: Record<string, string | undefined>, io: CliOutput): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        tenant: { type: 'string' }, patient: { type: 'string' }, id: { type: 'string' }, device: { type: 'string' },
        json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
      },
    })
  } catch (error) {
    io.err(`varde: ${(error as Error).message}\n\n${CLI_USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  const [group, command, target] = positionals
  if (values.help || group !== 'gateway' || !command) {
    ;(values.help ? io.out : io.err)(CLI_USAGE)
    return values.help ? 0 : 2
  }
  const usage = (problem: string) => {
    io.err(`varde: ${problem}\n\n${CLI_USAGE}`)
    return 2
  }
  if (!values.tenant) return usage('--tenant is required')
  const databaseUrl = env.DATABASE_URL
  if (!databaseUrl || !/^postgres(ql)?:\/\//.test(databaseUrl)) return usage('DATABASE_URL (postgres://…) is required')

  const pool = createPool(databaseUrl, { max: 1, applicationName: 'varde-cli' })
  // the operator on the platform's host is the tenant's administrator for this command
  const gateways = serviceAccess(pool, { tenantId: values.tenant, username: `cli:${safeUsername()}`, roles: ['admin'] }, `gateway ${command}`).gateways
  const print = (json: unknown, text: string) => io.out(values.json ? JSON.stringify(json) : text)
  const failed = (code: ProvisioningFailure) => {
    io.err(`varde: ${MESSAGES[code]} (${code})`)
    return 1
  }
  try {
    switch (command) {
      case 'create': {
        if (!values.patient) return usage('--patient is required')
        const r = await gateways.provision(values.patient, values.id)
        print({ id: r.gatewayId, secret: r.secret }, [
          `gateway:  ${r.gatewayId}`,
          `secret:   ${r.secret}`,
          '',
          'The secret is shown only this once (only its hash is stored). Configure the gateway with',
          'client id = username = the gateway id, and password = the secret.',
        ].join('\n'))
        return 0
      }
      case 'rotate': {
        if (!target) return usage('which gateway? (gateway rotate <gateway id>)')
        const r = await gateways.rotate(target)
        print({ id: target, secret: r.secret }, `gateway:  ${target}\nsecret:   ${r.secret}\n\nShown only this once. The old secret no longer works.`)
        return 0
      }
      case 'revoke': {
        if (!target) return usage('which gateway? (gateway revoke <gateway id>)')
        const r = await gateways.revoke(target)
        print({ id: target, revoked: true }, r.wasRevoked ? `${target} was already revoked.` : `${target} revoked.`)
        return 0
      }
      case 'list': {
        const items = await gateways.list()
        print({ items }, items.length === 0 ? '(no gateways)' : items.map((g) =>
          [g.id.padEnd(20), (g.patientId ?? '-').padEnd(37), g.revokedAt ? `revoked ${g.revokedAt.toISOString()}` : g.state.padEnd(8),
            g.pairedDeviceIds.length ? `devices: ${g.pairedDeviceIds.join(', ')}` : ''].join(' ').trimEnd()).join('\n'))
        return 0
      }
      case 'pair':
      case 'unpair': {
        if (!target || !values.device) return usage(`gateway ${command} <gateway id> --device <device id>`)
        if (command === 'pair') {
          const r = await gateways.pair(target, values.device)
          print({ id: target, deviceId: values.device, pairedAt: r.pairedAt }, `${values.device} paired with ${target}.`)
        } else {
          const r = await gateways.unpair(target, values.device)
          print({ id: target, deviceId: values.device, wasPaired: r.wasPaired }, r.wasPaired ? `${values.device} unpaired from ${target}.` : `${values.device} was not paired.`)
        }
        return 0
      }
      default:
        return usage(`unknown command 'gateway ${command}'`)
    }
  } catch (error) {
    const code = accessFailureCode(error)
    if (code !== null && code in MESSAGES) return failed(code as ProvisioningFailure)
    throw error
  } finally {
    await pool.end()
  }
}

function safeUsername(): string {
  try {
    return userInfo().username
  } catch {
    return 'unknown'
  }
}
