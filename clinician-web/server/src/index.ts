export * from './app.js'
export * from './live-events.js'
export { serviceAccess, accessFailureCode } from './access/service-access.js'
export type { Access } from './access/access.js'
