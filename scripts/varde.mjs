#!/usr/bin/env node
// Bootstrap for the two quick-start commands. Runs on a fresh machine with only
// Node 20: installs the pinned pnpm into .tools/, installs the workspace, builds
// what is stale, then runs the command. No dependencies of its own.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const PNPM_VERSION = '10.34.9'
const pnpmBin = join(root, '.tools', 'node_modules', '.bin', 'pnpm')
const isCi = process.env.CI === 'true' || process.env.CI === '1'

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts })
  if (r.error) throw r.error
  if (r.status !== 0) {
    console.error(`varde: '${cmd} ${args.join(' ')}' failed (exit ${r.status ?? r.signal})`)
    process.exit(r.status ?? 1)
  }
}
const pnpm = (...args) => run(pnpmBin, args)

function ensurePnpm() {
  if (existsSync(pnpmBin)) {
    const v = spawnSync(pnpmBin, ['--version'], { cwd: root, encoding: 'utf8' }).stdout?.trim()
    if (v === PNPM_VERSION) return
  }
  console.log(`varde: installing pnpm ${PNPM_VERSION} into .tools/`)
  run('npm', ['install', '--prefix', '.tools', `pnpm@${PNPM_VERSION}`, '--no-audit', '--no-fund', '--loglevel=error'])
}

function installStamp() {
  const h = createHash('sha256')
  for (const f of ['pnpm-lock.yaml', 'pnpm-workspace.yaml', 'package.json']) {
    if (existsSync(join(root, f))) h.update(readFileSync(join(root, f)))
  }
  return h.digest('hex')
}

function ensureDeps() {
  ensurePnpm()
  const stampFile = join(root, 'node_modules', '.varde-install-stamp')
  const want = installStamp()
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === want) return
  console.log('varde: installing dependencies')
  pnpm('install', ...(isCi ? ['--frozen-lockfile'] : []), '--reporter=append-only')
  writeFileSync(stampFile, want)
}

/** The TypeScript projects only (incremental: seconds when nothing changed), for commands that serve no portal. */
function buildServices() {
  pnpm('exec', 'tsc', '-b')
}

function build() {
  buildServices()
  pnpm('exec', 'tsc', '-p', 'clinician-web/web', '--noEmit')
  pnpm('--filter', '@varde/web', 'run', 'build')
}

/** Playwright lives in the e2e package (its config, its Chromium settings): run it there. */
function e2e(...args) {
  pnpm('--filter', '@varde/e2e', 'exec', 'playwright', 'test', ...args)
}

const [command = 'start', ...rest] = process.argv.slice(2)
ensureDeps()
switch (command) {
  case 'install':
    break
  case 'build':
    build()
    break
  case 'start':
    build()
    process.env.VARDE_MODE ??= 'demo'
    // npm start runs every part, Node-RED included (docs/decisions/0020); tests name theirs
    process.env.VARDE_PARTS ??= 'broker,ingest,forwarding,server,simulator,flows'
    await import(join(root, 'platform', 'dist', 'main.js'))
    break
  case 'test':
    build()
    pnpm('run', 'lint')
    pnpm('exec', 'vitest', 'run', ...rest)
    e2e()
    break
  case 'e2e':
    build()
    e2e(...rest)
    break
  case 'bench':
    build()
    run(process.execPath, [join(root, 'bench', 'dist', `${rest[0] ?? 'ingest'}.js`), ...rest.slice(1)])
    break
  case 'soak':
    // issue 14's chaos and memory soaks (bench/README.md); the services only, no portal
    buildServices()
    run(process.execPath, [join(root, 'bench', 'dist', 'soak.js'), ...rest])
    break
  case 'sim':
    buildServices()
    run(process.execPath, [join(root, 'device-sim', 'dist', 'cli.js'), ...rest])
    break
  case 'cli':
    buildServices()
    run(process.execPath, [join(root, 'platform', 'dist', 'cli.js'), ...rest])
    break
  default:
    console.error(`varde: unknown command '${command}' (start, test, e2e, build, bench, soak, sim, cli)`)
    process.exit(2)
}
