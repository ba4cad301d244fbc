/** Jest 30 in ESM mode: sources are transformed by SWC, imports keep their `.js` endings. */
import { swcOptions as swc } from './test/support/swc-options.mjs';

export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  testTimeout: 30000,
  maxWorkers: 2,
};
