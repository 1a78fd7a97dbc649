export * from './start-platform.js'
