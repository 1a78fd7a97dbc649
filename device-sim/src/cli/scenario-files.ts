import { existsSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'

/**
 * A scenario argument as testers type it: a path, or a file name in the
 * scenarios folder, with or without `.yaml`.
 */
export function resolveScenarioPath(argument: string, scenariosDir: string): string {
  if (existsSync(argument)) return resolve(argument)
  for (const candidate of [argument, `${argument}.yaml`, `${argument}.yml`]) {
    const inFolder = join(scenariosDir, candidate)
    if (existsSync(inFolder)) return inFolder
  }
  return resolve(argument)
}

export async function listScenarioFiles(scenariosDir: string): Promise<string[]> {
  const names = await readdir(scenariosDir).catch(() => [] as string[])
  return names.filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).sort().map((n) => join(scenariosDir, n))
}
