#!/usr/bin/env node
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { checkCommand, listCommand } from './cli/check-command.js'
import { clockCommand } from './cli/clock-command.js'
import { readEnvironment, UsageError } from './cli/cli-config.js'
import { homesCommand } from './cli/homes-command.js'
import { loadCommand } from './cli/load-command.js'
import { runCommand } from './cli/run-command.js'
import { CHECK_USAGE, CLOCK_USAGE, HOMES_USAGE, LIST_USAGE, LOAD_USAGE, MAIN_USAGE, RUN_USAGE } from './cli/usage.js'
import { ScenarioError } from './scenario/parse-scenario.js'

/** device-sim/scenarios, from src/ (tests) and dist/ (built) alike. */
const SCENARIOS_DIR = fileURLToPath(new URL('../scenarios/', import.meta.url))

const USAGE_BY_COMMAND: Record<string, string> = {
  run: RUN_USAGE,
  homes: HOMES_USAGE,
  load: LOAD_USAGE,
  list: LIST_USAGE,
  check: CHECK_USAGE,
  clock: CLOCK_USAGE,
}

/** `varde-sim <command> …`; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv
  try {
    const env = readEnvironment()
    switch (command) {
      case 'run':
        return await runCommand(args, env, SCENARIOS_DIR)
      case 'homes':
        return await homesCommand(args, env)
      case 'load':
        return await loadCommand(args, env)
      case 'list':
        return await listCommand(args, SCENARIOS_DIR)
      case 'check':
        return await checkCommand(args, SCENARIOS_DIR)
      case 'clock':
        return await clockCommand(args, env)
      case undefined:
      case 'help':
      case '-h':
      case '--help': {
        const topic = args[0]
        console.log(topic !== undefined && USAGE_BY_COMMAND[topic] ? USAGE_BY_COMMAND[topic] : MAIN_USAGE)
        return 0
      }
      default:
        throw new UsageError(`unknown command "${command}"`)
    }
  } catch (error) {
    if (error instanceof ScenarioError) {
      console.error(`varde-sim: invalid scenario ${error.message}`)
      return 2
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`varde-sim: ${(error as Error).message}\nSee: npm run sim -- ${command !== undefined && USAGE_BY_COMMAND[command] ? `${command} ` : ''}--help`)
      return 2
    }
    console.error(`varde-sim: ${(error as Error).message}`)
    return 1
  }
}

const isEntry = process.argv[1] !== undefined && realpathSync(fileURLToPath(import.meta.url)) === realpathSync(process.argv[1])
if (isEntry) {
  const code = await main(process.argv.slice(2))
  process.exit(code)
}
