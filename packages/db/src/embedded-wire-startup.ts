import { createHash, timingSafeEqual } from 'node:crypto'

/**
 * The start-up and authentication exchange of the PostgreSQL wire protocol
 * (v3, "Message Flow: Start-up"), answered by the embedded database's wire
 * gate itself rather than by PGlite.
 *
 * Why: PGlite is ONE session. Handing it a connection's StartupMessage put
 * that session into "awaiting a password"; a socket that then closed (psql
 * and Ctrl-C at the password prompt) left it there, and every later request
 * of every connection came back without a ReadyForQuery: the platform was
 * wedged for good (issue 14, defect 1). Now only an authenticated connection
 * ever reaches the session; start-up costs a socket and a timer, no more.
 */

/** Protocol 3.0 (the only one served), and the special request codes sent in place of it. */
export const PROTOCOL_3 = 196608
export const SSL_REQUEST = 80877103
export const GSS_REQUEST = 80877104
export const CANCEL_REQUEST = 80877102
/** Postgres' own limit on a start-up packet (MAX_STARTUP_PACKET_LENGTH). */
export const MAX_STARTUP_BYTES = 10_000
/** A PasswordMessage carries an MD5 digest: anything longer is not one. */
export const MAX_PASSWORD_MESSAGE_BYTES = 1024

/** The parameters of a StartupMessage (after its length and protocol version): user, database, application_name, … */
export function startupParameters(packet: Buffer): Map<string, string> {
  const parameters = new Map<string, string>()
  const fields = packet.subarray(8).toString('utf8').split('\0')
  for (let i = 0; i + 1 < fields.length && fields[i] !== ''; i += 2) parameters.set(fields[i] as string, fields[i + 1] as string)
  return parameters
}

/** The PasswordMessage a client sends for AuthenticationMD5Password: 'md5' + md5(md5(password + user) + salt), hex. */
export function md5PasswordResponse(user: string, password: string, salt: Buffer): string {
  const inner = createHash('md5').update(password + user).digest('hex')
  return 'md5' + createHash('md5').update(Buffer.concat([Buffer.from(inner), salt])).digest('hex')
}

/** Whether a PasswordMessage ('p', its length, a NUL-terminated string) answers the salt for this user and password. */
export function isPasswordCorrect(message: Buffer, user: string, password: string, salt: Buffer): boolean {
  const given = message.subarray(5, message.indexOf(0, 5) < 0 ? message.length : message.indexOf(0, 5))
  const expected = Buffer.from(md5PasswordResponse(user, password, salt))
  return given.length === expected.length && timingSafeEqual(given, expected)
}

function backendMessage(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5)
  header.write(type, 0)
  header.writeInt32BE(4 + body.length, 1)
  return Buffer.concat([header, body])
}

export function authenticationMd5(salt: Buffer): Buffer {
  const body = Buffer.alloc(8)
  body.writeInt32BE(5, 0)
  salt.copy(body, 4)
  return backendMessage('R', body)
}

/**
 * What a connection is told once it is authenticated: AuthenticationOk, the
 * session's reported parameters (server_version, client_encoding, …: psql and
 * drivers read them), BackendKeyData and ReadyForQuery (idle).
 */
export function startupCompletion(parameters: ReadonlyMap<string, string>, processId: number, secretKey: number): Buffer {
  const keyData = Buffer.alloc(8)
  keyData.writeInt32BE(processId, 0)
  keyData.writeInt32BE(secretKey | 0, 4)
  return Buffer.concat([
    backendMessage('R', Buffer.from([0, 0, 0, 0])),
    ...[...parameters].map(([name, value]) => backendMessage('S', Buffer.from(`${name}\0${value}\0`))),
    backendMessage('K', keyData),
    backendMessage('Z', Buffer.from('I')),
  ])
}

/** A FATAL ErrorResponse with its SQLSTATE (the client reports it; the connection is closed after it). */
export function fatalError(code: string, message: string): Buffer {
  return backendMessage('E', Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`))
}

/** The parameters Postgres reports at start-up (GUC_REPORT), read once from the session. */
export const REPORTED_PARAMETERS = [
  'server_version', 'server_encoding', 'client_encoding', 'application_name', 'default_transaction_read_only', 'in_hot_standby',
  'is_superuser', 'session_authorization', 'DateStyle', 'IntervalStyle', 'TimeZone', 'integer_datetimes', 'standard_conforming_strings',
] as const

/**
 * Message types a client may send once started (protocol 3.0, "Frontend"):
 * Bind, Close, CopyData, CopyDone, CopyFail, Describe, Execute, FunctionCall,
 * Flush, Parse, Query, Sync, Terminate. Anything else is a protocol violation,
 * answered as Postgres does: FATAL 08P01 and the connection closed.
 */
export const FRONTEND_TYPES = new Set(['B', 'C', 'd', 'c', 'f', 'D', 'E', 'F', 'H', 'P', 'Q', 'S', 'X'])
/** Postgres' own limit on one message (PQ_LARGE_MESSAGE_LIMIT, 1 GiB − 1). */
export const MAX_MESSAGE_BYTES = 0x3fffffff
