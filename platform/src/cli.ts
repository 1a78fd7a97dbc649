import { runAuditCli } from './audit-cli.js'
import { runCli } from './gateway-cli.js'

/** `npm run varde -- gateway …` and `… audit verify` (root script: node platform/dist/cli.js). */
const argv = process.argv.slice(2)
;(argv[0] === 'audit' ? runAuditCli : runCli)(argv, process.env, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}).then(
  (code) => { process.exitCode = code },
  (error: unknown) => {
    process.stderr.write(`varde: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  },
)
