// Moved to util/pause.ts (the ground floor, so adapters may pause too). Kept for the importers in
// upstream/ and serve/ until they point at util/pause.js; then this file goes.
export { pause, type CallerSignal } from '../util/pause.js';
