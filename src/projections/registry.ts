/**
 * The read models of the projection seam (seam/read-model.ts), fed by the projector beside the
 * dossier views. Adding one: its folder, and a line here.
 */
import { attentionReadModel } from '../attention/attention.read-model.js';
import { entryLagReadModel } from '../entry-lag/entry-lag.read-model.js';
import type { ReadModel } from './seam/read-model.js';

export const READ_MODELS: readonly ReadModel[] = [entryLagReadModel, attentionReadModel];
