// lgnc's version (the single reader lives in util/version.ts so emit/ can use it too).

export { LGNC_VERSION } from '../util/version.js';
