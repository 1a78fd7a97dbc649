import { createHash, randomBytes } from 'node:crypto'
import { hash, verify } from '@node-rs/argon2'

// argon2id with the library's defaults (m=19 MiB, t=2, p=1: OWASP's minimum
// recommendation for argon2id) for user passwords and gateway secrets.

export async function hashSecret(secret: string): Promise<string> {
  return hash(secret)
}

let dummyHash: Promise<string> | undefined

/**
 * Verifies a secret. Given no hash (unknown user or gateway) it still spends
 * the same time on a dummy hash, so the answer's timing does not tell whether
 * the account exists.
 */
export async function verifySecret(storedHash: string | null | undefined, secret: string): Promise<boolean> {
  if (!storedHash) {
    dummyHash ??= hash(randomBytes(16).toString('hex'))
    await verify(await dummyHash, secret).catch(() => false)
    return false
  }
  return verify(storedHash, secret).catch(() => false)
}

export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}
