/**
 * Where an as-of report's deltas are read (as-of-deltas.ts): in a worker thread with connections
 * of its own when the machine has a second CPU, so that the thread serving requests only adds the
 * few counts it sends back; otherwise in this thread, at once.
 */
import Database from 'better-sqlite3';
import { type Reply, SHORT_LIVED_LIMITS, WorkerChannel, type WorkerMode, workerOrThread, workerScript } from '../../common/worker-channel.js';
import { DeltaCorrection, type DeltaRead, type EncodedCorrection, readDeltasAfter } from './as-of-deltas.js';
import type { ReportWindow } from '../report-index/timeliness-report.js';

export interface DeltasRead {
  /** The deltas up to position `known`, counted. */
  correction: DeltaCorrection;
  /** Those after it (committed since the caller's index was at `known`): the caller decides. */
  beyond: DeltaRead[];
  /** The last rowid of the table as read: deltas written after it are read by ReadModels.deltasSince. */
  lastRowid: number;
}

export interface AsOfReader {
  read(file: string, asOf: number, window: ReportWindow, known: number): Promise<DeltasRead>;
  close(): Promise<void>;
}

export type AsOfRequest = { id: number; type: 'read'; file: string; asOf: number; window: ReportWindow; known: number };
type AsOfReply = Reply & { counted?: EncodedCorrection; beyond?: DeltaRead[]; lastRowid?: number };

/** Reads on a read-only connection of its own, opened for the read (a rebuild may have replaced the file since the last). */
export function readDeltas(file: string, asOf: number, window: ReportWindow, known: number): DeltasRead {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const correction = new DeltaCorrection(window);
    const beyond: DeltaRead[] = [];
    const lastRowid = readDeltasAfter(db, asOf, window.end, (row) => (row[6] <= known ? correction.add(row) : beyond.push(row)));
    return { correction, beyond, lastRowid };
  } finally {
    db.close();
  }
}

export async function openAsOfReader(mode: WorkerMode = 'auto'): Promise<AsOfReader> {
  return (await workerOrThread<AsOfReader>(mode, () => WorkerReader.start(), () => ({ read: async (...args) => readDeltas(...args), close: async () => {} }))).writer;
}

class WorkerReader implements AsOfReader {
  private constructor(private readonly channel: WorkerChannel<AsOfRequest, AsOfReply>) {}

  static async start(): Promise<WorkerReader> {
    const channel = await WorkerChannel.start<AsOfRequest, AsOfReply>('as-of reader', workerScript(import.meta.url, 'as-of-reader.worker'), {}, SHORT_LIVED_LIMITS);
    return new WorkerReader(channel);
  }

  async read(file: string, asOf: number, window: ReportWindow, known: number): Promise<DeltasRead> {
    const reply = await this.channel.request({ type: 'read', file, asOf, window, known });
    return { correction: DeltaCorrection.decode(window, reply.counted!), beyond: reply.beyond ?? [], lastRowid: reply.lastRowid ?? 0 };
  }

  async close(): Promise<void> {
    await this.channel.terminate('closed');
  }
}
