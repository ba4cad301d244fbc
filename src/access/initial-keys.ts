/**
 * The keys of a first start: one fresh key per role, written to a new key file as digests only,
 * and shown once (on a terminal, or else in a file of mode 0600 beside the key file).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type ApiKeyFileEntry, ApiKeyFileError, sha256 } from './api-keys.js';
import { type Role, STAFF_ROLES } from './principal.js';

/** A key generated on first start: shown once, then only its digest remains. */
export interface GeneratedKey {
  role: Role;
  name: string;
  key: string;
}

/** A fresh key: 32 random bytes, base64url (43 characters). */
export const generateKey = (): string => randomBytes(32).toString('base64url');

/**
 * Creates the key file with one fresh key per role (but `reader`: one is made for each downstream
 * system), readable by the owner only.
 * Returns the keys, or undefined when another process created the file first (that one is loaded).
 */
export function createApiKeyFile(file: string): GeneratedKey[] | undefined {
  const generated = STAFF_ROLES.map((role) => ({ role, name: `initial-${role}`, key: generateKey() }));
  const entries: ApiKeyFileEntry[] = generated.map(({ role, name, key }) => ({ keySha256: sha256(key).toString('hex'), role, name }));
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    // `wx`: never overwrite a file that appeared meanwhile (two instances starting together).
    writeFileSync(file, JSON.stringify(entries, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
  return generated;
}

/** The generated keys as a readable block: shown on a terminal, or written to the initial-keys file. */
export function formatGeneratedKeys(file: string, keys: GeneratedKey[]): string {
  const width = Math.max(...keys.map((k) => k.name.length));
  const lines = keys.map((k) => `  ${k.role.padEnd(10)}  ${k.name.padEnd(width)}  ${k.key}`);
  const rule = '='.repeat(72);
  const note = 'these keys are shown only this once; the file keeps only their SHA-256';
  return [rule, `API keys created in ${file}`, `(${note})`, '', ...lines, '', 'Send them as: Authorization: Bearer <key>', rule, ''].join('\n');
}

/** Where the generated keys go when nobody is at a terminal: beside the key file. */
export const initialKeysFileOf = (file: string): string => join(dirname(file), 'initial-keys.txt');

/**
 * Without a terminal the keys would land in a log that collectors keep: they go to a file of
 * mode 0600 instead, and only its path is logged. When that file cannot be written, the key
 * file just created is removed (its keys would be known to nobody) and the start fails.
 */
export function writeInitialKeys(file: string, keys: GeneratedKey[]): string {
  const target = initialKeysFileOf(file);
  const temporary = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, formatGeneratedKeys(file, keys), { mode: 0o600, flag: 'wx' });
    renameSync(temporary, target);
  } catch (error) {
    for (const leftover of [temporary, file]) rmQuietly(leftover);
    throw new ApiKeyFileError(`could not write the generated API keys to ${target} (${(error as Error).message}); nothing was kept: fix it and start again`);
  }
  return target;
}

/** Removes a file if it is there. */
export function rmQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone.
  }
}
