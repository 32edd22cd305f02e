// `lgnc compile --emit wasm`: <top>.wasm + <top>.mjs load in Node and in a browser (headless
// Chromium, served from a loopback http server) and give the reference evaluator's classes
// and scores on MNIST test images of a trained model.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode, loadDataset } from '../../src/data/index.js';
import { evaluateNetlist, type Evaluation } from '../../src/netlist/evaluate.js';
import { loadNetlist } from '../../src/netlist/netlist.js';
import { formatBinaryVectors } from '../../src/netlist/vectors.js';
import { fixture, lgnc } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lgnc-wasm-'));
// Chromium's helper processes may still be writing its profile for a moment after the test:
// a temp folder left behind is not a failure of the loader.
afterAll(() => {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 300 });
  } catch {
    /* left for the OS's temp clean-up */
  }
});
const COUNT = 1000;
let want: Evaluation;
let packed: Uint8Array;

beforeAll(() => {
  const r = lgnc(['compile', fixture('mnist-3x1000.json'), '--emit', 'wasm', '-o', dir, '--json']);
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout).files).toEqual(['mnist_3x1000.wasm', 'mnist_3x1000.mjs']);
  const net = loadNetlist(fixture('mnist-3x1000.json'));
  const test = loadDataset('mnist', { limit: COUNT }).test;
  const x = encode(net.encoding!, test.x, test.count);
  packed = formatBinaryVectors(x);
  writeFileSync(join(dir, 'v.bin'), packed);
  want = evaluateNetlist(net, x);
});

describe('lgnc compile --emit wasm (module + loader)', () => {
  it('loads in Node: classify and scores equal the reference evaluator', async () => {
    const mod = await import(pathToFileURL(join(dir, 'mnist_3x1000.mjs')).href);
    expect([mod.inputs, mod.classes, mod.bytesPerVector]).toEqual([784, 10, 98]);
    expect(Array.from(mod.classify(packed))).toEqual(Array.from(want.predictions));
    expect(Array.from(mod.scores(packed))).toEqual(Array.from(want.scores));
    expect(mod.classify(new Uint8Array(0)).length).toBe(0);
    expect(() => mod.classify(new Uint8Array(97))).toThrow(/not a whole number of vectors/);
  });

  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
  it.skipIf(!chromium)('loads in headless Chromium over http: the same classes and scores', async () => {
    writeFileSync(join(dir, 'index.html'), `<!doctype html><meta charset="utf-8"><title>lgnc wasm</title>
<script type="module">
  try {
    const m = await import('./mnist_3x1000.mjs');
    const packed = new Uint8Array(await (await fetch('./v.bin')).arrayBuffer());
    const body = JSON.stringify({ classes: Array.from(m.classify(packed)), scores: Array.from(m.scores(packed)) });
    await fetch('/result', { method: 'POST', body });
  } catch (e) {
    await fetch('/result', { method: 'POST', body: JSON.stringify({ error: String(e && e.stack || e) }) });
  }
</script>`);
    const types: Record<string, string> = { html: 'text/html', mjs: 'text/javascript', wasm: 'application/wasm', bin: 'application/octet-stream' };
    let resolveResult!: (s: string) => void;
    const result = new Promise<string>((r) => (resolveResult = r));
    const server = createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/result') {
        let s = '';
        req.on('data', (d) => (s += d)).on('end', () => { res.end('ok'); resolveResult(s); });
        return;
      }
      const name = (req.url ?? '/').split('?')[0].replace(/^\/+/, '') || 'index.html';
      const path = join(dir, name);
      if (name.includes('..') || !existsSync(path)) { res.statusCode = 404; res.end(); return; }
      res.setHeader('content-type', types[name.split('.').pop()!] ?? 'application/octet-stream');
      res.end(readFileSync(path));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const browser = spawn(chromium!, [
      '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', `--user-data-dir=${join(dir, 'profile')}`, `http://127.0.0.1:${port}/index.html`,
    ], { stdio: 'ignore', detached: true });
    try {
      const timeout = new Promise<string>((_, reject) => setTimeout(() => reject(new Error('no result from Chromium within 90 s')), 90_000));
      const got = JSON.parse(await Promise.race([result, timeout]));
      expect(got.error).toBeUndefined();
      expect(got.classes).toEqual(Array.from(want.predictions));
      expect(got.scores).toEqual(Array.from(want.scores));
    } finally {
      const exited = new Promise((r) => browser.once('exit', r));
      // The whole process group: the renderer and crash handler too, not only the browser.
      try {
        process.kill(-browser.pid!, 'SIGTERM');
      } catch {
        browser.kill();
      }
      await exited;
      server.close();
    }
  });
});
