/**
 * Key file maintenance for operators (see src/access/README.md):
 *
 *   npm run keys -- add --role supervisor --units D01,D02 --name district-01-dashboard
 *   npm run keys -- add --role reader --name portal-sync      (a downstream system: GET /feed only)
 *   npm run keys -- list
 *   npm run keys -- remove --name district-01-dashboard      (or --fingerprint 1a2b3c4d5e6f)
 *   npm run keys -- hash < key.txt                           (the keySha256 of a key you made)
 *
 * Works on API_KEYS_FILE (default $DATA_DIR/api-keys.json). `add` prints the new key once and
 * stores only its SHA-256. The file is replaced atomically (a running service picks it up within
 * a second, or keeps its keys if the result were malformed).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { type ApiKeyFileEntry, fingerprintOf, newActorId, parseApiKeys, sha256 } from './api-keys.js';
import { generateKey } from './initial-keys.js';
import { ROLES, type Role } from './principal.js';

export function readEntries(file: string): ApiKeyFileEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  parseApiKeys(text, file); // refuse to build on a malformed file
  return JSON.parse(text) as ApiKeyFileEntry[];
}

export function writeEntries(file: string, entries: ApiKeyFileEntry[]): void {
  parseApiKeys(JSON.stringify(entries), file);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = join(dirname(file), `.api-keys.${process.pid}.tmp`);
  writeFileSync(temporary, JSON.stringify(entries, null, 2) + '\n', { mode: 0o600 });
  renameSync(temporary, file);
}

const digestOf = (entry: ApiKeyFileEntry) => (entry.key !== undefined ? sha256(entry.key) : Buffer.from(entry.keySha256!, 'hex'));

export function addKey(file: string, role: Role, units: string[] | undefined, name: string | undefined): { key: string; entry: ApiKeyFileEntry } {
  const key = generateKey();
  // An unnamed key's actor is a random id kept in the file, never derived from the key.
  const entry: ApiKeyFileEntry = { keySha256: sha256(key).toString('hex'), role, ...(units ? { units } : {}), ...(name ? { name } : { actorId: newActorId() }) };
  writeEntries(file, [...readEntries(file), entry]);
  return { key, entry };
}

export function removeKeys(file: string, match: { name?: string; fingerprint?: string }): number {
  const entries = readEntries(file);
  const kept = entries.filter((e) => !((match.name !== undefined && e.name === match.name) || (match.fingerprint !== undefined && fingerprintOf(digestOf(e)) === match.fingerprint)));
  if (kept.length !== entries.length) writeEntries(file, kept);
  return entries.length - kept.length;
}

function main(argv: string[]): void {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { role: { type: 'string' }, units: { type: 'string' }, name: { type: 'string' }, fingerprint: { type: 'string' }, file: { type: 'string' } },
  });
  const file = values.file ?? loadConfig().apiKeysFile;
  switch (command) {
    case 'add': {
      if (!ROLES.includes(values.role as Role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
      const units = values.units?.split(',').map((u) => u.trim()).filter(Boolean);
      const { key, entry } = addKey(file, values.role as Role, units, values.name);
      process.stdout.write(`Added to ${file} (only its SHA-256 is stored; the key is shown only this once):\n\n`);
      process.stdout.write(`  role ${entry.role}  units ${entry.units?.join(',') ?? '(all)'}  name ${entry.name ?? entry.actorId}\n  key  ${key}\n\n`);
      return;
    }
    case 'list': {
      for (const { principal, fingerprint, unnamed } of parseApiKeys(readFileSync(file, 'utf8'), file)) {
        const actor = unnamed ? '(unnamed: the service assigns an actorId)' : principal.name;
        process.stdout.write(`${fingerprint}  ${principal.role.padEnd(10)}  ${actor}  ${principal.units?.join(',') ?? '(all units)'}\n`);
      }
      return;
    }
    case 'remove': {
      if (values.name === undefined && values.fingerprint === undefined) throw new Error('remove needs --name or --fingerprint');
      const removed = removeKeys(file, { name: values.name, fingerprint: values.fingerprint });
      process.stdout.write(`removed ${removed} key(s) from ${file}\n`);
      if (removed === 0) process.exitCode = 1;
      return;
    }
    case 'hash': {
      const key = readFileSync(0, 'utf8').trim();
      process.stdout.write(`${sha256(key).toString('hex')}\n`);
      return;
    }
    default:
      throw new Error('usage: keys add --role <role> [--units A,B] [--name N] | list | remove --name N | --fingerprint F | hash < key');
  }
}

if (process.argv[1] && /keys-cli\.(ts|js)$/.test(process.argv[1])) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
}
