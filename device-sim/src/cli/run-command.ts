import { relative } from 'node:path'
import { parseArgs } from 'node:util'
import { loadScenarioFile } from '../scenario/parse-scenario.js'
import { EXPECTATION_KINDS, runScenario, type ExpectationKind, type ScenarioProgress, type ScenarioResult } from '../scenario/run-scenario.js'
import type { Scenario } from '../scenario/scenario-types.js'
import { COMMON_OPTIONS, connectionFrom, describeSettings, UsageError, type CliEnvironment } from './cli-config.js'
import { durationMs } from './option-values.js'
import { ProgressLine } from './progress-line.js'
import { resolveScenarioPath } from './scenario-files.js'
import { formatScenarioResult } from './scenario-report.js'
import { RUN_USAGE } from './usage.js'

export async function runCommand(args: string[], env: CliEnvironment, scenariosDir: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      expect: { type: 'boolean' },
      only: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      gateway: { type: 'string' },
      secret: { type: 'string' },
      seed: { type: 'string' },
      'receipt-timeout': { type: 'string' },
      json: { type: 'boolean' },
    },
  })
  if (values.help) {
    console.log(RUN_USAGE)
    return 0
  }
  if (positionals.length === 0) throw new UsageError('run needs a scenario file, e.g. run device-sim/scenarios/stable-patient.yaml')
  const connection = connectionFrom(values, env)
  const receiptTimeoutMs = durationMs('--receipt-timeout', values['receipt-timeout'], 60_000)
  const only = values.only?.split(',').map((k) => k.trim())
  const unknownKind = only?.find((k) => !(EXPECTATION_KINDS as readonly string[]).includes(k))
  if (unknownKind !== undefined) throw new UsageError(`--only ${values.only}: "${unknownKind}" is not one of ${EXPECTATION_KINDS.join(', ')}`)
  const credentials = { username: values.user ?? env.user, password: values.password ?? env.password }

  // Every file is read and checked before anything is sent.
  const scenarios: Scenario[] = []
  for (const argument of positionals) scenarios.push(await loadScenarioFile(resolveScenarioPath(argument, scenariosDir)))

  const progress = new ProgressLine(!connection.isQuiet && !values.json)
  progress.log(describeSettings({ mqtt: connection.mqttUrl, http: connection.httpUrl, user: credentials.username, password: credentials.password, expect: values.expect ? 'yes' : 'no' }))
  const results: ScenarioResult[] = []
  for (const [index, scenario] of scenarios.entries()) {
    const shown = scenario.source ? relative(process.cwd(), scenario.source) : scenario.name
    const prefix = scenarios.length > 1 ? `[${index + 1}/${scenarios.length}] ${scenario.name}` : scenario.name
    const result = await runScenario({ ...scenario, source: shown }, {
      mqttUrl: connection.mqttUrl,
      httpUrl: connection.httpUrl,
      credentials,
      expect: values.expect === true,
      ...(only === undefined ? {} : { only: only as ExpectationKind[] }),
      receiptTimeoutMs,
      logger: connection.logger,
      ...(values.gateway === undefined ? {} : { gatewayId: values.gateway }),
      ...(values.secret === undefined ? {} : { secret: values.secret }),
      ...(values.seed === undefined ? {} : { seed: /^-?\d+$/.test(values.seed) ? Number(values.seed) : values.seed }),
      onProgress: (p) => progress.update(`${prefix}: ${describeProgress(p)}`),
    })
    progress.done()
    results.push(result)
    if (!values.json) console.log(formatScenarioResult(result))
  }
  if (values.json) console.log(JSON.stringify(results, null, 2))
  const failed = results.filter((r) => !r.ok)
  if (!values.json && results.length > 1) {
    console.log(failed.length === 0 ? `all ${results.length} scenarios passed` : `${failed.length} of ${results.length} scenarios failed: ${failed.map((r) => r.name).join(', ')}`)
  }
  return failed.length === 0 ? 0 : 1
}


/** One progress line: which step, and what a long one is waiting for. */
export function describeProgress(p: ScenarioProgress): string {
  const seconds = (ms: number): string => `${Math.ceil(ms / 1000)} s`
  switch (p.phase) {
    case 'step':
      return `step ${p.index + 1}/${p.of} ${p.label}`
    case 'live':
      return `${p.label}: ${Math.round(p.elapsedMs / 1000)}/${Math.round(p.durationMs / 1000)} s, ${p.sent} readings sent`
    case 'waiting':
      return `${p.label}: waiting for ${p.what}, ${seconds(p.remainingMs)} left`
    case 'check':
      return 'checking receipts, stored readings and commands'
    case 'alerts':
      return p.missing > 0
        ? `waiting for ${p.missing} expected alert${p.missing === 1 ? '' : 's'} (${seconds(p.elapsedMs)} of at most ${seconds(p.settleMs)})`
        : 'expected alerts are open; looking for unexpected ones'
  }
}
