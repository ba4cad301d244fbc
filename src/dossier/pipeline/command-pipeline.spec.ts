/** The command pipeline over an in-memory stream: read, decide, append at the revision read, retry on a conflict. */
import { describe, expect, it } from '@jest/globals';
import { FakeClock } from '../../../test/support/fake-clock.js';
import { WrongExpectedRevisionError } from '../../event-store/errors.js';
import type { AppendResult, EventStore, EventToAppend, ExpectedRevision, RecordedEvent } from '../../event-store/event-store.port.js';
import type { Decided } from '../domain/decide.js';
import { CommandPipeline, type PipelineCommand } from './command-pipeline.js';
import { DossierRepository } from './dossier-repository.js';

const AT = Date.parse('2025-03-03T08:00:00+07:00');
const received: Decided = {
  event: {
    type: 'DossierReceived',
    data: { dossierId: 'D1', procedureCode: 'P', unitId: 'U1', channel: 'online', receivedAt: new Date(AT).toISOString(), digitized: false, statutoryWorkingDays: 3, onSupplement: 'restart', calendarRevision: 0, clockStartAt: new Date(AT).toISOString(), dueAt: new Date(AT + 3 * 86_400_000).toISOString() },
  },
  occurredAt: AT,
};
const withdrawn = (reason: string): Decided => ({ event: { type: 'DossierWithdrawn', data: { dossierId: 'D1', reason, withdrawnAt: new Date(AT).toISOString() } }, occurredAt: AT });

/** One stream in memory with the port's checks (expected revision, an id stored once); `before` runs ahead of each append. */
class MemoryStreams {
  readonly events: RecordedEvent[] = [];
  reads = 0;
  before: () => void = () => {};

  readStream(): Promise<RecordedEvent[]> {
    this.reads++;
    return Promise.resolve([...this.events]);
  }

  append(streamId: string, events: EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    this.before();
    const last = this.events.length - 1;
    const again = this.events.filter((stored) => events.some((e) => e.id === stored.id));
    if (again.length === events.length) return Promise.resolve({ nextExpectedRevision: last, position: again[again.length - 1].position, events: again });
    if (expected !== (last < 0 ? 'no_stream' : last)) return Promise.reject(new WrongExpectedRevisionError(streamId, expected, last < 0 ? 'no_stream' : last));
    const stored = events.map((e, i) => ({ ...e, streamId, revision: last + 1 + i, position: last + 2 + i, metadata: e.metadata ?? {}, created: '', recordedAt: 0 }));
    this.events.push(...stored);
    return Promise.resolve({ nextExpectedRevision: last + events.length, position: stored[stored.length - 1].position, events: stored });
  }
}

function pipeline(streams: MemoryStreams) {
  return new CommandPipeline(new DossierRepository(streams as unknown as EventStore), new FakeClock(AT));
}

/** Receives D1 when the stream is empty, else withdraws it; answers the revision reached, or 'conflict'. */
const command = (more: Partial<PipelineCommand<number | 'conflict' | 'nothing'>> = {}): PipelineCommand<number | 'conflict' | 'nothing'> => ({
  dossierId: 'D1',
  actor: 'tester',
  attempts: 3,
  decide: ({ state }) => ({ append: [state.status === 'none' ? received : withdrawn('r')], then: (after) => after.revision }),
  conflicted: () => 'conflict',
  ...more,
});

describe('command pipeline', () => {
  it('appends what was decided at the revision read, with the actor and one command id, and answers from the state after it', async () => {
    const streams = new MemoryStreams();
    expect(await pipeline(streams).run(command())).toBe(0);
    expect(await pipeline(streams).run(command())).toBe(1);
    expect(streams.events.map((e) => e.type)).toEqual(['DossierReceived', 'DossierWithdrawn']);
    expect(streams.events[1].metadata).toMatchObject({ actor: 'tester', recordedAt: new Date(AT).toISOString() });
    expect(streams.events[1].metadata.correlationId).toBe(streams.events[1].metadata.commandId);
  });

  it('an answer without events appends nothing', async () => {
    const streams = new MemoryStreams();
    expect(await pipeline(streams).run(command({ decide: () => ({ answer: 'nothing' }) }))).toBe('nothing');
    expect(streams.events).toEqual([]);
  });

  it('on a conflict, reads again and decides on the new state', async () => {
    const streams = new MemoryStreams();
    await pipeline(streams).run(command());
    let raced = false;
    streams.before = () => {
      if (raced) return;
      raced = true;
      // Another writer's transfer lands between this command's read and its append.
      const data = { dossierId: 'D1', fromUnitId: 'U1', toUnitId: 'U2', transferredAt: new Date(AT).toISOString(), calendarRevision: 0 };
      streams.events.push({ ...streams.events[0], id: 'other', type: 'DossierTransferred', data, revision: 1, position: 2 });
    };
    const decidedOn: number[] = [];
    const decide: PipelineCommand<number | 'conflict' | 'nothing'>['decide'] = ({ state }) => {
      if (state.status !== 'none') decidedOn.push(state.revision);
      return { append: [withdrawn('r')], then: (after) => after.revision };
    };
    const answer = await pipeline(streams).run(command({ decide }));
    expect(decidedOn).toEqual([0, 1]);
    expect(answer).toBe(2);
  });

  it('after as many conflicts as attempts, answers what `conflicted` says, having appended nothing', async () => {
    const streams = new MemoryStreams();
    await pipeline(streams).run(command());
    const appendsBefore = streams.events.length;
    streams.before = () => {
      throw new WrongExpectedRevisionError('dossier-D1', 0, 0);
    };
    expect(await pipeline(streams).run(command({ attempts: 2 }))).toBe('conflict');
    expect(streams.reads).toBe(1 + 2);
    expect(streams.events).toHaveLength(appendsBefore);
  });

  it('a blind first round appends without reading; a taken stream makes the next round read it', async () => {
    const streams = new MemoryStreams();
    await pipeline(streams).run(command({ blindFirst: true }));
    expect(streams.reads).toBe(0);
    const seen: string[] = [];
    const receiveOnce: PipelineCommand<number | 'conflict' | 'nothing'>['decide'] = ({ state }) => {
      seen.push(state.status);
      return state.status === 'none' ? { append: [received], then: () => 0 } : { answer: 'nothing' };
    };
    expect(await pipeline(streams).run(command({ blindFirst: true, decide: receiveOnce }))).toBe('nothing');
    expect(seen).toEqual(['none', 'received']);
    expect(streams.reads).toBe(1);
    expect(streams.events).toHaveLength(1);
  });

  it('seeded event ids are the same when the command comes again, so the store keeps it once; unseeded ones differ', async () => {
    const streams = new MemoryStreams();
    const once = command({ idSeed: 'actor\u0000key-1', decide: () => ({ append: [received], then: (after) => after.revision }) });
    await pipeline(streams).run(once);
    await pipeline(streams).run(once);
    expect(streams.events).toHaveLength(1);
    const other = new MemoryStreams();
    await pipeline(other).run(command());
    expect(other.events[0].id).not.toBe(streams.events[0].id);
  });
});
