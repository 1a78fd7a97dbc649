import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const MOSQUITTO = process.env['MOSQUITTO_BIN'] ?? '/usr/sbin/mosquitto'
const MOSQUITTO_PASSWD = process.env['MOSQUITTO_PASSWD_BIN'] ?? '/usr/bin/mosquitto_passwd'

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  await once(server, 'close')
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  return address.port
}

/**
 * A real MQTT broker for one suite: Debian's mosquitto on a free port,
 * without persistence, so a restart forgets every session and retained
 * message as a crashed broker would. Anonymous unless `users` are given;
 * then only they get in (CONNACK 5 for anyone else).
 */
export class Mosquitto {
  private child: ChildProcess | null = null

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`
  }

  static async start(options: { users?: Record<string, string> } = {}): Promise<Mosquitto> {
    const dir = await mkdtemp(join(tmpdir(), 'varde-sim-mosquitto-'))
    const broker = new Mosquitto(await freePort(), dir)
    const auth = ['allow_anonymous true']
    if (options.users) {
      const passwordFile = join(dir, 'passwords')
      await writeFile(passwordFile, '')
      for (const [user, password] of Object.entries(options.users)) {
        await promisify(execFile)(MOSQUITTO_PASSWD, ['-b', passwordFile, user, password])
      }
      // Started as root, mosquitto drops to its own user, which must be able to read the file.
      await chmod(dir, 0o755)
      await chmod(passwordFile, 0o644)
      auth.splice(0, 1, 'allow_anonymous false', `password_file ${passwordFile}`)
    }
    await writeFile(
      join(dir, 'mosquitto.conf'),
      [`listener ${broker.port} 127.0.0.1`, ...auth, 'persistence false', 'log_dest stderr', 'log_type all', ''].join('\n'),
    )
    await broker.run()
    return broker
  }

  /** Kills the broker (SIGKILL: no goodbye to anyone) and starts a fresh one on the same port. */
  async restart(): Promise<void> {
    await this.kill('SIGKILL')
    await this.run()
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM')
    await rm(this.dir, { recursive: true, force: true })
  }

  private async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child
    this.child = null
    if (!child || child.exitCode !== null) return
    const exited = once(child, 'exit')
    child.kill(signal)
    await exited
  }

  /** Starts mosquitto and resolves once it logs that it is running (it has bound its port by then). */
  private async run(): Promise<void> {
    const child = spawn(MOSQUITTO, ['-c', join(this.dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] })
    this.child = child
    await new Promise<void>((resolve, reject) => {
      let log = ''
      const onData = (chunk: Buffer): void => {
        log += chunk.toString()
        if (/mosquitto version \S+ running/.test(log)) {
          child.stderr?.off('data', onData)
          child.stderr?.resume()
          resolve()
        }
      }
      child.stderr?.on('data', onData)
      child.once('error', reject)
      child.once('exit', (code) => reject(new Error(`mosquitto exited with ${code} before running:\n${log}`)))
    })
  }
}
