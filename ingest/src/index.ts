export * from './ingest.js'
