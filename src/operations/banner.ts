import type { GeneratedKey } from '../access/initial-keys.js';

export interface BannerFacts {
  host: string;
  port: number;
  dataDir: string;
  eventStore: string;
  /** The keys generated at this start (shown only this once), if any. */
  keys?: readonly GeneratedKey[];
  keysFile?: string;
}

/** The address a person at this machine opens: a wildcard listen address is reached as localhost. */
export function baseUrlOf(host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host;
  return `http://${name.includes(':') ? `[${name}]` : name}:${port}`;
}

/**
 * What a person who ran `npm start` at a terminal needs first: where to click, where the data
 * lives, and the keys to send. Plain lines, no colour, so that a copy and paste keeps them whole.
 */
export function formatBanner(facts: BannerFacts): string {
  const url = baseUrlOf(facts.host, facts.port);
  const lines = [
    '',
    `Dossier lifecycle service is running (${facts.eventStore} event store)`,
    '',
    `  dashboard     ${url}/`,
    `  API explorer  ${url}/docs`,
    `  health        ${url}/health`,
    `  data          ${facts.dataDir}`,
  ];
  if (facts.keys && facts.keys.length > 0) {
    const width = Math.max(...facts.keys.map((k) => k.role.length));
    lines.push(
      '',
      `  API keys, one per role, shown only this once (${facts.keysFile ?? 'the key file'} keeps only their SHA-256):`,
      ...facts.keys.map((k) => `    ${k.role.padEnd(width)}  ${k.key}`),
      '  Send one as: Authorization: Bearer <key>',
    );
  }
  lines.push('', 'Stop with Ctrl+C.', '');
  return lines.join('\n') + '\n';
}
