import { loadFlowDocument, saveFlowDocument, type FlowDocumentName, type Queryable } from '@varde/db'

/**
 * Node-RED's storage module (its `storageModule` setting) over Varde's
 * database: the tenant's flows, credentials, settings and sessions, one row
 * each (migration 0021), instead of files in a user directory, so that a
 * deploy survives a restart and any server of the platform finds it.
 * Credentials arrive here already encrypted (Node-RED encrypts them with the
 * `credentialSecret` setting, VARDE_FLOWS_CREDENTIAL_SECRET). The editor's
 * library is not kept: a flow is shared by export and import (docs/decisions/0020).
 */
export interface NodeRedStorage {
  init(settings: unknown, runtime?: unknown): Promise<void>
  getFlows(): Promise<unknown[]>
  saveFlows(flows: unknown[], user?: { username?: string }): Promise<void>
  getCredentials(): Promise<Record<string, unknown>>
  saveCredentials(credentials: Record<string, unknown>): Promise<void>
  getSettings(): Promise<Record<string, unknown>>
  saveSettings(settings: Record<string, unknown>): Promise<void>
  getSessions(): Promise<Record<string, unknown>>
  saveSessions(sessions: Record<string, unknown>): Promise<void>
  getLibraryEntry(type: string, path: string): Promise<unknown>
  saveLibraryEntry(type: string, path: string, meta: unknown, body: unknown): Promise<void>
}

export class FlowStorageError extends Error {
  constructor(readonly code: 'flows-library-off', message: string) {
    super(message)
    this.name = 'FlowStorageError'
  }
}

export function databaseStorage(db: Queryable, tenantId: string, deployedBy: () => string): NodeRedStorage {
  const load = async <T>(name: FlowDocumentName, empty: T): Promise<T> => ((await loadFlowDocument(db, tenantId, name)) as T | null) ?? empty
  const save = (name: FlowDocumentName, body: unknown, by = deployedBy()) => saveFlowDocument(db, tenantId, name, body, by)
  return {
    init: async () => {},
    getFlows: () => load<unknown[]>('flows', []),
    saveFlows: (flows, user) => save('flows', flows, user?.username ?? deployedBy()),
    getCredentials: () => load<Record<string, unknown>>('credentials', {}),
    saveCredentials: (credentials) => save('credentials', credentials),
    getSettings: () => load<Record<string, unknown>>('settings', {}),
    saveSettings: (settings) => save('settings', settings),
    getSessions: () => load<Record<string, unknown>>('sessions', {}),
    saveSessions: (sessions) => save('sessions', sessions),
    // the editor asks for the library's listing: an empty one
    getLibraryEntry: async (_type, path) => (path === '' || path.endsWith('/') ? [] : Promise.reject(new FlowStorageError('flows-library-off', 'the flow library is not kept; export and import flows instead'))),
    saveLibraryEntry: async () => { throw new FlowStorageError('flows-library-off', 'the flow library is not kept; export and import flows instead') },
  }
}
