/**
 * @varde/device-sim: homes full of virtual patients and their gateways,
 * talking to the platform only through the device protocol (MQTT) and, to
 * check what it stored, its public HTTP API.
 */
export { SimGateway, type SimGatewayOptions, type SimGatewayEvents, type BatchReceipt } from './gateway/sim-gateway.js'
export { GatewayStoppedError, GatewayConnectError, ReceiptTimeoutError } from './gateway/gateway-errors.js'
export { packReadings } from './gateway/batch-packing.js'

export { startDemoFeed, type DemoFeed, type DemoFeedStats, type DemoFeedOptions, type DemoHomeConfig, type BackfillReport } from './demo/demo-feed.js'
export { VirtualHome, type VirtualHomeOptions, type HistoryBatch } from './home/virtual-home.js'
export { runLoad, type LoadOptions, type LoadReport, type LoadProgress } from './load/run-load.js'
export { summarizeLatencies, type LatencySummary } from './load/latency-stats.js'
export { ReadingClock } from './load/reading-clock.js'

export { runScenario, EXPECTATION_KINDS, type ExpectationKind, type RunScenarioOptions, type ScenarioResult, type ScenarioProgress } from './scenario/run-scenario.js'
export { loadScenarioFile, parseScenario, parseScenarioText, ScenarioError, type ScenarioIssue } from './scenario/parse-scenario.js'
export { describeDifference, type Difference, type BatchOutcome, type ReceiptTotals, type OpenAlert } from './scenario/expectation-diff.js'
export type { Scenario, ScenarioStep, Expectations } from './scenario/scenario-types.js'
export { PlatformClient, PlatformApiError, type PlatformCredentials } from './platform-api/platform-client.js'

export { VirtualPatient, type VirtualPatientOptions, type VitalValues, type PhysiologicalState } from './patient/virtual-patient.js'
export { PROFILE_NAMES, isProfile, type Profile } from './patient/profiles.js'
export { EPISODE_KINDS, type Episode, type EpisodeKind } from './patient/episodes.js'
export { DEVICE_KINDS, createDevices, type DeviceKind, type DeviceEncoding, type SimDevice } from './devices/device-kinds.js'
export { encodeDeviceReading, type DeviceReading } from './devices/measurement-encoding.js'
export { clockCommand, describeClock } from './cli/clock-command.js'
// the scenario set's readings for benches that judge them without a platform (bench:episodes)
export { planScenario, measureStepReadings, resolveAt, type ScenarioPlan } from './scenario/scenario-plan.js'
