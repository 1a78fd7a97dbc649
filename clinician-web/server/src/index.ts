export * from './app.js'
export * from './live-events.js'
export type { FlowEditorHost } from './routes/flow-editor.js'
export { serviceAccess, accessFailureCode } from './access/service-access.js'
export type { Access } from './access/access.js'
export type { RelyingPartyOptions } from './oidc/relying-party.js'
export { FLOWS_SERVICE_ROLE, type FlowAlertInput } from './access/flows.js'
/** ID-porten's relying party takes the same options as HelseID's (one module, oidc/relying-party.ts). */
export type { RelyingPartyOptions as IdPortenOptions } from './oidc/relying-party.js'
