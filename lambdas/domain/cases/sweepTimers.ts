/**
 * Renamed to `slaSweep.ts` (a module is named by what it decides). Kept only so local mode, which
 * another branch is changing, keeps compiling until it imports `slaSweep.js`; remove it then.
 */
export type { SweepReport } from './slaSweep.js';
