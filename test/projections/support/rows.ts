import type { Row } from '../../../src/projections/read-models.js';

/** `count` read-model rows of new dossiers from `seq` on, spread over 40 units, each view text 400 bytes. */
export function newDossierRows(from: number, count: number): Row[] {
  return Array.from({ length: count }, (_, i): Row => {
    const seq = from + i;
    const unit = `U${seq % 40}`;
    return [seq, `d-${seq}`, unit, unit, 'HT-KHAISINH', 'received', 1_800_000_000_000 + seq, 0, seq, 'v'.repeat(400)];
  });
}
