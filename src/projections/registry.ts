/**
 * The registered read models of the projection seam (seam/read-model.ts), fed by the projector in
 * the transaction of the dossier views (the projector's own: views/dossier-views.read-model.ts).
 * Adding one: its folder, and a line here.
 */
import { attentionReadModel } from '../attention/attention.read-model.js';
import { entryLagReadModel } from '../entry-lag/entry-lag.read-model.js';
import type { ReadModel } from './seam/read-model.js';

export const READ_MODELS: readonly ReadModel[] = [entryLagReadModel, attentionReadModel];
