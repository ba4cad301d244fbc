// Usage: node --import ./test/support/register-ts.mjs some-file.ts
import { register } from 'node:module';

register('./ts-loader.mjs', import.meta.url);
