export * from './alert-changed.js'
export * from './measurements-stored.js'
export * from './gateway-status-stored.js'
export * from './care-team-changed.js'
