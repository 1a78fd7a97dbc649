import { parseArgs } from 'node:util'
import { loadScenarioFile, ScenarioError } from '../scenario/parse-scenario.js'
import { UsageError } from './cli-config.js'
import { listScenarioFiles, resolveScenarioPath } from './scenario-files.js'
import { CHECK_USAGE, LIST_USAGE } from './usage.js'

export async function checkCommand(args: string[], scenariosDir: string): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } })
  if (values.help) {
    console.log(CHECK_USAGE)
    return 0
  }
  if (positionals.length === 0) throw new UsageError('check needs scenario files')
  let invalid = 0
  for (const argument of positionals) {
    const path = resolveScenarioPath(argument, scenariosDir)
    try {
      const scenario = await loadScenarioFile(path)
      const steps = `${scenario.steps.length} step${scenario.steps.length === 1 ? '' : 's'}`
      console.log(`ok       ${argument}: ${scenario.name}, ${steps}${scenario.expect ? ', with expectations' : ''}`)
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error
      invalid += 1
      console.log(`invalid  ${error.message}`)
    }
  }
  return invalid === 0 ? 0 : 2
}

export async function listCommand(args: string[], scenariosDir: string): Promise<number> {
  const { values } = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } } })
  if (values.help) {
    console.log(LIST_USAGE)
    return 0
  }
  const files = await listScenarioFiles(scenariosDir)
  if (files.length === 0) console.log(`no scenarios in ${scenariosDir}`)
  for (const file of files) {
    const name = file.slice(file.lastIndexOf('/') + 1).replace(/\.ya?ml$/, '')
    try {
      const scenario = await loadScenarioFile(file)
      console.log(`${name.padEnd(30)} ${scenario.name}`)
      if (scenario.description !== '') console.log(`${''.padEnd(30)} ${firstSentence(scenario.description)}`)
      const alerts = scenario.expect?.alerts
      if (alerts) {
        const listed = alerts.map((a) => [a.rule, a.severity].filter((x) => x !== null).join(' ') || 'any alert')
        console.log(`${''.padEnd(30)} alerts: ${listed.length === 0 ? 'none' : listed.join(', ')}`)
      }
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error
      console.log(`${name.padEnd(30)} (invalid: run check ${name})`)
    }
  }
  return 0
}

function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  const end = flat.search(/\.(\s|$)/)
  const sentence = end < 0 ? flat : flat.slice(0, end + 1)
  return sentence.length > 90 ? `${sentence.slice(0, 89)}…` : sentence
}
