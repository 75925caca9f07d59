// The fleet backend's entry (README: Fleet (Redis)): runtime.ts imports it only for
// `limits.backend: redis`, so a single instance never loads the Redis client.
export { startFleetBackend, type FleetBackend } from './backend.js';
export { ConfigSync, FLEET_SOURCE } from './config-sync.js';
export { RedisSessionStore } from './redis-stores.js';
export { FleetRoster } from './roster.js';
