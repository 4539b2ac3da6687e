export { mergeBarSources } from '../data/merge.ts';
export { type AlignedSlice, Aligner } from './align.ts';
export {
  MAX_WALL_WAIT_MS,
  ReplayClock,
  type ReplayEvent,
  type ReplayOptions,
  type ReplayState,
  type Snapshottable,
  systemTimers,
  type WallTimers
} from './replay-clock.ts';
