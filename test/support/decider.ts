/**
 * given(events).when(command).then(events | refused(code)): the dossier decider as a specification.
 * The given events are folded with `evolve`, so each spec also runs the fold the service uses.
 */
import { expect } from '@jest/globals';
import { AppError } from '../../src/common/errors.js';
import { type DecideContext, type Decided, decide, type DossierCommand } from '../../src/dossier/domain/decide.js';
import { type DossierState, evolve, initialState } from '../../src/dossier/domain/state.js';
import type { DossierEvent } from '../../src/dossier/events.js';

/** An event expected from the decider: its type, some of its data, and the instant it occurred. */
export type ExpectedEvent = {
  [T in DossierEvent['type']]: { type: T; data?: Partial<Extract<DossierEvent, { type: T }>['data']>; occurredAt?: number };
}[DossierEvent['type']];

/** The decider's refusal: the error code, and the field it names (VALIDATION_FAILED). */
export interface Refusal {
  code: string;
  field?: string;
}

export const refused = (code: string, field?: string): Refusal => ({ code, ...(field !== undefined ? { field } : {}) });

/** `given` for a decide context: each `when` may change some of it (the clock, the calendar). */
export function deciderSpec(defaults: DecideContext) {
  return function given(...events: Decided[]) {
    const state = events.reduce<DossierState>((s, d, revision) => evolve(s, d.event, revision, d.occurredAt), initialState);
    return {
      state,
      when(command: DossierCommand, context: Partial<DecideContext> = {}) {
        const run = () => decide(command, state, { ...defaults, ...context });
        return {
          /** Asserts the outcome; returns what was decided (nothing for a refusal) for further checks. */
          then(expected: ExpectedEvent[] | Refusal): Decided[] {
            if (Array.isArray(expected)) {
              const decided = run();
              expect(decided.map((d) => ({ type: d.event.type, data: d.event.data, occurredAt: d.occurredAt }))).toMatchObject(expected);
              return decided;
            }
            let error: unknown;
            try {
              run();
            } catch (thrown) {
              error = thrown;
            }
            expect(error).toBeInstanceOf(AppError);
            expect(error).toMatchObject({ code: expected.code });
            if (expected.field !== undefined) expect(error).toMatchObject({ errors: expect.arrayContaining([expect.objectContaining({ field: expected.field })]) });
            return [];
          },
        };
      },
    };
  };
}
