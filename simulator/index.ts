// The simulator's programmatic API, for tests, benchmarks and demos.
export { createAgent, SimulatedAgent, AgentRequestError, ENDPOINTS } from './agent.js';
export type { AgentOptions, CheckInResult, OsqueryConfig, ResultEvent } from './agent.js';
export { answerQuery, discoveryAllows, requestedRowCount, DEFAULT_ANSWER_OPTIONS } from './answers.js';
export type { Answer, AnswerOptions, LiveQueryContext, LiveQueryHook } from './answers.js';
export { startFleet } from './fleet.js';
export type { Fleet, FleetOptions, FleetStats } from './fleet.js';
export { generateHostProfile, generateHostProfiles } from './host-profile.js';
export type { HostProfile, Row } from './host-profile.js';
export { DEFAULT_PLATFORM_MIX, PLATFORMS, parsePlatformMix, platformForIndex } from './platform-mix.js';
export type { Platform, PlatformMix } from './platform-mix.js';
