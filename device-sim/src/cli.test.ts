import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { main } from './cli.js'

/** Runs the CLI, capturing what it prints. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')))
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void err.push(args.join(' ')))
  const code = await main(argv)
  return { code, out: out.join('\n'), err: err.join('\n') }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('varde-sim CLI', () => {
  it('explains itself', async () => {
    const { code, out } = await cli('--help')
    expect(code).toBe(0)
    for (const command of ['run <scenario>', 'homes', 'load', 'list', 'check']) expect(out).toContain(command)
    expect((await cli('help', 'load')).out).toContain('--batch-size')
    expect((await cli('run', '--help')).out).toContain('--expect')
    expect((await cli('homes', '-h')).out).toContain('--backfill')
    expect((await cli('clock', '--help')).out).toContain('--advance')
  })

  it('exits 2 with a pointer to the help on bad usage', async () => {
    expect(await cli('fly')).toMatchObject({ code: 2, err: expect.stringContaining('unknown command "fly"') })
    expect(await cli('load', '--rate', 'fast')).toMatchObject({ code: 2, err: expect.stringMatching(/--rate fast[\s\S]*load --help/) })
    expect(await cli('load', '--bogus')).toMatchObject({ code: 2, err: expect.stringContaining("Unknown option '--bogus'") })
    expect(await cli('run')).toMatchObject({ code: 2, err: expect.stringContaining('run needs a scenario file') })
    expect(await cli('homes', '--profiles', 'copd,asthma')).toMatchObject({ code: 2, err: expect.stringContaining('unknown profile "asthma"') })
    expect(await cli('run', 'x.yaml', '--mqtt', 'http://broker')).toMatchObject({ code: 2, err: expect.stringContaining('--mqtt http://broker') })
    expect(await cli('clock', '--advance', 'two weeks')).toMatchObject({ code: 2, err: expect.stringContaining('--advance two weeks: a duration') })
    expect(await cli('clock', '--advance', '1d', '--offset', '1d')).toMatchObject({ code: 2, err: expect.stringContaining('one of --advance, --offset and --reset') })
    expect(await cli('clock', '--speed', '0')).toMatchObject({ code: 2, err: expect.stringContaining('--speed 0: a number above 0') })
    expect(await cli('clock', '--reset', '--speed', '2')).toMatchObject({ code: 2, err: expect.stringContaining('--reset takes no --speed') })
  })

  it('lists and checks the shipped scenarios, by name or path', async () => {
    const list = await cli('list')
    expect(list.code).toBe(0)
    expect(list.out).toContain('copd-exacerbation')
    const check = await cli('check', 'copd-exacerbation', 'device-sim/scenarios/wrong-clock.yaml')
    expect(check).toMatchObject({ code: 0, out: expect.stringContaining('ok       copd-exacerbation: COPD exacerbation') })
  })

  it('exits 2 naming the problems of an invalid scenario file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'varde-sim-cli-'))
    const file = join(dir, 'broken.yaml')
    await writeFile(file, 'name: Broken\ngateway: { id: demo-gw-001 }\npatient: { profiles: [copd], seed: 1 }\nsteps: [{ measure: { from: tomorrow } }]\n')
    expect(await cli('check', file)).toMatchObject({ code: 2, out: expect.stringContaining('steps[0].measure.from: not a time: "tomorrow"') })
    expect(await cli('run', file)).toMatchObject({ code: 2, err: expect.stringContaining('invalid scenario') })
  })
})
