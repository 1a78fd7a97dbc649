export * from './ingest.js'
export * from './rule-worker.js'
export * from './escalation.js'
