export * from './vital-types.js'
export * from './errors.js'
export * from './protocol/types.js'
export * from './protocol/judge-batch.js'
