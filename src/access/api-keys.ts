/**
 * The API key file (`API_KEYS_FILE`, default `$DATA_DIR/api-keys.json`): a JSON array of
 * `{ "key" | "keySha256", "role", "units"?, "name"? }`.
 *
 * - Only SHA-256 digests are kept in memory; a presented key is hashed and compared with every
 *   entry in constant time, so neither the answer time nor an early exit tells how close a guess was.
 * - A missing file is created on first start with one fresh key per role. The file then holds only
 *   the digests (`keySha256`): the keys themselves are shown once on a terminal, or else written
 *   once to `initial-keys.txt` (0600) beside the file, never into the log.
 * - An entry without `name` gets a random `actorId`, written into the file on first sight: the
 *   actor its events record, never derived from the secret.
 * - The file is re-read when it changes on disk (checked at most once a second, on the next
 *   request) and on SIGHUP (AccessModule), so keys are rotated without a restart. A file that no
 *   longer parses is reported and the keys already loaded stay in force.
 */
import { Logger } from '@nestjs/common';
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ID_PATTERN } from '../common/ids.js';
import { ConfigError } from '../config.js';
import { createApiKeyFile, formatGeneratedKeys, type GeneratedKey, rmQuietly, writeInitialKeys } from './initial-keys.js';
import { type Principal, type Role, ROLES } from './principal.js';

/** One entry as written in the file. */
export interface ApiKeyFileEntry {
  key?: string;
  keySha256?: string;
  role: Role;
  units?: string[];
  name?: string;
  /** The actor of an unnamed key: random, written by the service (or `keys add`) on first sight. */
  actorId?: string;
}

/** One entry as held in memory: the digest, never the key. */
export interface ApiKey {
  sha256: Buffer;
  /** First 12 hex digits of the digest: identifies the key in logs and rate limits. */
  fingerprint: string;
  principal: Principal;
  /** Neither `name` nor `actorId` in the file: the principal's name is not settled yet. */
  unnamed?: boolean;
}

export class ApiKeyFileError extends ConfigError {
  override name = 'ApiKeyFileError';
}

export const UNIT_ID = ID_PATTERN;
const NAME = /^[A-Za-z0-9._@:-]{1,64}$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
const MIN_KEY_LENGTH = 16;
const MAX_KEY_LENGTH = 512;
const FIELDS = new Set(['key', 'keySha256', 'role', 'units', 'name', 'actorId']);
/** The name an unnamed entry carries until it has its actorId. */
const UNSETTLED = 'key-unnamed';

/** One-shot `hash` (no Hash object per call): the same digest as createHash('sha256').update(key, 'utf8'). */
export const sha256 = (key: string): Buffer => hash('sha256', key, 'buffer');
export const fingerprintOf = (digest: Buffer): string => digest.toString('hex').slice(0, 12);

/** A fresh actor id for an unnamed key: random, unrelated to the key. */
export const newActorId = (): string => `key-${randomBytes(8).toString('hex')}`;

/** Parses and validates the file's text; every problem is listed with the entry it belongs to. */
export function parseApiKeys(text: string, file: string): ApiKey[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ApiKeyFileError(`API key file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(raw)) {
    throw new ApiKeyFileError(`API key file ${file} must hold a JSON array of { key | keySha256, role, units?, name? }`);
  }
  if (raw.length === 0) {
    throw new ApiKeyFileError(`API key file ${file} holds no keys: nobody could call the service (delete it to have one key per role generated)`);
  }
  const problems: string[] = [];
  const keys: ApiKey[] = [];
  const seen = new Map<string, number>();
  raw.forEach((entry: unknown, index) => {
    const label = `entry ${index}${isObject(entry) && typeof entry.name === 'string' ? ` ("${entry.name}")` : ''}`;
    const entryProblems = validateEntry(entry);
    if (entryProblems.length > 0) {
      problems.push(...entryProblems.map((p) => `${label}: ${p}`));
      return;
    }
    const e = entry as unknown as ApiKeyFileEntry;
    const digest = e.key !== undefined ? sha256(e.key) : Buffer.from(e.keySha256!, 'hex');
    const hex = digest.toString('hex');
    const first = seen.get(hex);
    if (first !== undefined) {
      problems.push(`${label}: the same key as entry ${first}`);
      return;
    }
    seen.set(hex, index);
    const fingerprint = fingerprintOf(digest);
    const name = e.name ?? e.actorId;
    keys.push({
      sha256: digest,
      fingerprint,
      principal: { name: name ?? UNSETTLED, role: e.role, ...(e.units ? { units: [...e.units] } : {}) },
      ...(name === undefined ? { unnamed: true } : {}),
    });
  });
  if (problems.length > 0) {
    throw new ApiKeyFileError(`API key file ${file} is not valid:\n  - ${problems.join('\n  - ')}`);
  }
  return keys;
}

function validateEntry(entry: unknown): string[] {
  if (!isObject(entry)) return ['must be an object { key | keySha256, role, units?, name? }'];
  const problems: string[] = [];
  for (const field of Object.keys(entry)) {
    if (!FIELDS.has(field)) problems.push(`unknown field "${field}" (allowed: key, keySha256, role, units, name)`);
  }
  const { key, keySha256, role, units, name, actorId } = entry;
  if (key === undefined && keySha256 === undefined) problems.push('needs "key" or "keySha256"');
  if (key !== undefined && keySha256 !== undefined) problems.push('give either "key" or "keySha256", not both');
  if (key !== undefined) {
    if (typeof key !== 'string') problems.push('"key" must be a string');
    else if (key.length < MIN_KEY_LENGTH || key.length > MAX_KEY_LENGTH) {
      problems.push(`"key" must be ${MIN_KEY_LENGTH} to ${MAX_KEY_LENGTH} characters long (generate one with: openssl rand -base64 32)`);
    } else if (!/^[\x21-\x7e]+$/.test(key)) problems.push('"key" must be printable ASCII without spaces');
  }
  if (keySha256 !== undefined && (typeof keySha256 !== 'string' || !SHA256_HEX.test(keySha256))) {
    problems.push('"keySha256" must be 64 hexadecimal digits (printf %s "$KEY" | sha256sum)');
  }
  if (!ROLES.includes(role as Role)) problems.push(`"role" must be one of ${ROLES.join(', ')}${role === undefined ? '' : `, not ${JSON.stringify(role)}`}`);
  if (units !== undefined) {
    if (!Array.isArray(units) || units.length === 0) {
      problems.push('"units" must be a non-empty array of unit ids (leave it out for all units)');
    } else {
      const bad = units.filter((u) => typeof u !== 'string' || !UNIT_ID.test(u));
      if (bad.length > 0) problems.push(`"units" holds ids that are not [A-Za-z0-9._-]{1,64}: ${bad.map((u) => JSON.stringify(u)).join(', ')}`);
    }
  }
  if (name !== undefined) {
    if (typeof name !== 'string' || !NAME.test(name)) problems.push('"name" must be 1 to 64 characters of A-Z a-z 0-9 . _ @ : -');
    else if (typeof key === 'string' && name === key) problems.push('"name" must not be the key itself: it is written into every event');
  }
  if (actorId !== undefined && (typeof actorId !== 'string' || !NAME.test(actorId) || actorId === key)) {
    problems.push('"actorId" must be 1 to 64 characters of A-Z a-z 0-9 . _ @ : - (and not the key)');
  }
  return problems;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface ApiKeyStoreOptions {
  /** Where the one-time key announcement goes (stdout by default). */
  print?: (text: string) => void;
  /** Whether a person is at a terminal (default: stdout is a TTY): the keys are shown there, else written to a file. */
  tty?: boolean;
  /**
   * On a terminal, keep the generated keys for the start banner (`takeGeneratedKeys`, main.ts)
   * instead of printing them at once; should the process exit before taking them, they are
   * printed then, so that they are never lost.
   */
  holdForBanner?: boolean;
  /** How often, at most, the file's mtime is checked for a rotation, in ms. */
  recheckMs?: number;
  now?: () => number;
}

/** The keys in force: loaded at start, re-read when the file changes. */
export class ApiKeyStore {
  private readonly logger = new Logger('Access');
  private keys: ApiKey[] = [];
  private version = '';
  private lastCheck = 0;
  /** Actor ids of unnamed keys while the file cannot be written, by fingerprint (this process only). */
  private readonly unsavedActors = new Map<string, string>();
  private readonly recheckMs: number;
  private readonly now: () => number;

  private constructor(
    readonly file: string,
    options: ApiKeyStoreOptions,
  ) {
    this.recheckMs = options.recheckMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** Loads the file, creating it (and printing its keys) when missing. Throws ApiKeyFileError when it is malformed. */
  static open(file: string, options: ApiKeyStoreOptions = {}): ApiKeyStore {
    const store = new ApiKeyStore(file, options);
    if (!exists(file)) {
      const generated = createApiKeyFile(file);
      if (generated) {
        const print = options.print ?? ((text) => process.stdout.write(text));
        if ((options.tty ?? process.stdout.isTTY === true) && options.holdForBanner) store.hold(generated, () => print(formatGeneratedKeys(file, generated)));
        else if (options.tty ?? process.stdout.isTTY === true) print(formatGeneratedKeys(file, generated));
        else {
          const keysFile = writeInitialKeys(file, generated);
          const msg = `created API key file; the generated keys are in ${keysFile} (mode 0600), written this once: hand them out, then delete that file`;
          print(JSON.stringify({ time: new Date().toISOString(), level: 'warn', context: 'Access', msg, file, initialKeysFile: keysFile }) + '\n');
        }
      }
    }
    store.load();
    return store;
  }

  private held: { keys: GeneratedKey[]; atExit: () => void } | undefined;

  private hold(keys: GeneratedKey[], show: () => void): void {
    const atExit = () => show();
    process.once('exit', atExit);
    this.held = { keys, atExit };
  }

  /** The keys generated at this start and held for the banner (once; undefined otherwise). */
  takeGeneratedKeys(): GeneratedKey[] | undefined {
    const held = this.held;
    if (!held) return undefined;
    process.off('exit', held.atExit);
    this.held = undefined;
    return held.keys;
  }

  get size(): number {
    return this.keys.length;
  }

  /** The key's owner, or undefined. Hashes the presented key and compares it with every entry. */
  authenticate(presented: string): ApiKey | undefined {
    this.refreshIfChanged();
    const digest = sha256(presented);
    let found: ApiKey | undefined;
    for (const key of this.keys) {
      // No early exit: every entry is compared whatever matched before.
      const equal = timingSafeEqual(digest, key.sha256);
      found = equal && found === undefined ? key : found;
    }
    return found;
  }

  /**
   * Whether a key of this principal (same name, role and units) is still in force, the file
   * re-read first if it changed: a live stream opened with a key since removed or narrowed is ended.
   */
  holds(principal: Principal): boolean {
    this.refreshIfChanged();
    const units = (u: string[] | undefined) => (u === undefined ? '*' : [...u].sort().join());
    return this.keys.some((k) => k.principal.name === principal.name && k.principal.role === principal.role && units(k.principal.units) === units(principal.units));
  }

  /** Re-reads the file now. On a malformed file the keys already loaded stay in force; returns whether it loaded. */
  reload(): boolean {
    try {
      this.load();
      this.logger.log({ msg: 'API key file reloaded', file: this.file, keys: this.keys.length });
      return true;
    } catch (error) {
      this.logger.error({ msg: 'API key file not reloaded; the keys loaded before stay in force', file: this.file, error: (error as Error).message });
      return false;
    }
  }

  private refreshIfChanged(): void {
    const now = this.now();
    if (now - this.lastCheck < this.recheckMs) return;
    this.lastCheck = now;
    let version: string | undefined;
    try {
      version = versionOf(this.file);
    } catch (error) {
      // Unreadable folder and the like: keep serving with the keys loaded, say so once.
      if (this.version !== 'unreadable') this.logger.error({ msg: 'API key file cannot be checked', file: this.file, error: (error as Error).message });
      this.version = 'unreadable';
      return;
    }
    if (version === undefined) {
      if (this.version !== 'missing') this.logger.warn({ msg: 'API key file is gone; the keys loaded before stay in force', file: this.file });
      this.version = 'missing';
      return;
    }
    if (version === this.version) return;
    // Remembered even when the file is malformed, so that it is reported once, not every second.
    this.version = version;
    this.reload();
  }

  private load(): void {
    let version = versionOf(this.file);
    let text = readFileSync(this.file, 'utf8');
    let keys = parseApiKeys(text, this.file);
    if (keys.some((k) => k.unnamed)) {
      const saved = this.recordActorIds(text);
      if (saved) {
        ({ text, version } = saved);
        keys = parseApiKeys(text, this.file);
      } else {
        keys = keys.map((k) => (k.unnamed ? { ...k, principal: { ...k.principal, name: this.unsavedActor(k.fingerprint) } } : k));
      }
    }
    this.keys = keys;
    this.version = version ?? '';
    this.lastCheck = this.now();
    this.warnIfExposed(text);
  }

  /**
   * Gives each entry without `name` or `actorId` a random actorId and writes the file back (same
   * mode, replaced atomically). Answers undefined when the file cannot be written (read-only
   * mount, say): then those keys act under a random id that lasts until the process ends.
   */
  private recordActorIds(text: string): { text: string; version: string | undefined } | undefined {
    const entries = JSON.parse(text) as ApiKeyFileEntry[];
    for (const entry of entries) if (entry.name === undefined && entry.actorId === undefined) entry.actorId = newActorId();
    const updated = JSON.stringify(entries, null, 2) + '\n';
    // Through a symbolic link to the file it names, so that the link stays a link.
    let target = this.file;
    try {
      target = realpathSync(this.file);
    } catch {
      // Gone meanwhile: the write below fails and says so.
    }
    const temporary = join(dirname(target), `.api-keys.${process.pid}.actors.tmp`);
    try {
      writeFileSync(temporary, updated, { mode: statSync(target).mode & 0o777 });
      renameSync(temporary, target);
      this.logger.log({ msg: 'gave the unnamed API keys an actorId in the key file', file: this.file });
      return { text: updated, version: versionOf(this.file) };
    } catch (error) {
      rmQuietly(temporary);
      this.logger.warn({
        msg: 'could not write actorId for the unnamed API keys: their actor is a random id until the service stops; give each key a "name"',
        file: this.file,
        error: (error as Error).message,
      });
      return undefined;
    }
  }

  private unsavedActor(fingerprint: string): string {
    let id = this.unsavedActors.get(fingerprint);
    if (!id) this.unsavedActors.set(fingerprint, (id = newActorId()));
    return id;
  }

  private warnIfExposed(text: string): void {
    try {
      const mode = statSync(this.file).mode;
      if ((mode & 0o077) !== 0 && /"key"\s*:/.test(text)) {
        this.logger.warn({ msg: 'API key file holds keys in clear and is readable by others: chmod 600 it, or store keySha256 instead', file: this.file });
      }
    } catch {
      // The mode is advice only.
    }
  }
}

function exists(file: string): boolean {
  return versionOf(file) !== undefined;
}

function versionOf(file: string): string | undefined {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
