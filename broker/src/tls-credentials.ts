import { X509Certificate } from 'node:crypto'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import selfsigned from 'selfsigned'

/** A server certificate chain and its private key, PEM. */
export interface TlsCredentials {
  cert: string
  key: string
  /** Where they came from, for the start log. */
  source: string
}

/** The operator's certificate and key (production): `VARDE_TLS_CERT_FILE`, `VARDE_TLS_KEY_FILE`. */
export async function loadTlsCredentials(certFile: string, keyFile: string): Promise<TlsCredentials> {
  const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')])
  new X509Certificate(cert) // fails at start, with the file named, rather than at the first handshake
  return { cert, key, source: certFile }
}

/**
 * Demo mode: a self-signed pair made on first start and kept in `dir`
 * (`$VARDE_DATA_DIR/tls/`), so a client that trusts it once keeps trusting it
 * across restarts. Valid for localhost, the loopback addresses, this host's
 * name and `extraHosts`; renewed when it has less than a month left.
 */
export async function ensureSelfSignedTlsCredentials(dir: string, extraHosts: string[] = []): Promise<TlsCredentials & { certFile: string; isNew: boolean }> {
  const certFile = join(dir, 'mqtt-cert.pem')
  const keyFile = join(dir, 'mqtt-key.pem')
  try {
    const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')])
    const x509 = new X509Certificate(cert)
    if (new Date(x509.validTo).getTime() - Date.now() > 30 * 86_400_000) return { cert, key, source: certFile, certFile, isNew: false }
  } catch {
    // none yet (or unreadable): make one
  }
  const names = [...new Set(['localhost', hostname(), ...extraHosts.filter((h) => !isIp(h) && h !== '')])]
  const ips = [...new Set(['127.0.0.1', '::1', ...extraHosts.filter((h) => isIp(h) && h !== '0.0.0.0' && h !== '::')])]
  const notBeforeDate = new Date(Date.now() - 60_000)
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'Varde demo MQTT broker' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + 825 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...names.map((value) => ({ type: 2 as const, value })), ...ips.map((ip) => ({ type: 7 as const, ip }))] },
    ],
  })
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await writeFile(keyFile, pems.private, { mode: 0o600 })
  await chmod(keyFile, 0o600)
  await writeFile(certFile, pems.cert)
  return { cert: pems.cert, key: pems.private, source: `${certFile} (self-signed, made now)`, certFile, isNew: true }
}

function isIp(host: string): boolean {
  return /^[0-9.]+$/.test(host) || host.includes(':')
}
