export * from './app.js'
export * from './live-events.js'
