// lgnc's version, read from package.json (emitted headers and reports record it).

import { readFileSync } from 'node:fs';

export const LGNC_VERSION: string = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
).version;
