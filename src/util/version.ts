// lgnc's version, read from package.json (emitted headers, manifests and reports record it).
// Lives in util/ so every stage can read it without importing cli/.

import { readFileSync } from 'node:fs';

export const LGNC_VERSION: string = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
).version;
