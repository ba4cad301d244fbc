/** The targets' stream: each PUT /targets appends a `TargetsSet`, the latest in force (like the catalog's streams). */
import type { TargetsInput } from './targets.js';

export interface TargetsSet {
  type: 'TargetsSet';
  /** The targets given; those left out take their defaults (targets.ts). */
  data: TargetsInput;
}

export const TARGETS_STREAM = 'targets-province';
export const TARGETS_STREAM_PREFIX = 'targets-';
