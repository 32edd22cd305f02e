// The output helper: folders made one level at a time with clear errors, all-or-nothing
// writes that leave nothing behind on failure or on SIGTERM, and readers that refuse devices
// and oversized files. Where the test runs as root with mount(8), real read-only and full
// file systems (tiny tmpfs mounts) are used; elsewhere those two tests are skipped.

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkOutputPath, fileError, makeFolders, readFileOrFail, writeFileAtomic, writeFilesAtomic } from '../../src/util/files.js';
import { UserError } from '../../src/util/errors.js';
import { ROOT } from '../helpers/cli.js';

const base = mkdtempSync(join(tmpdir(), 'lgnc-files-'));
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) spawnSync('umount', [m]);
  rmSync(base, { recursive: true, force: true });
});

/** Everything under a folder, recursively (to show nothing was left behind). */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

function tmpfs(name: string, options: string): string | null {
  if (process.getuid?.() !== 0) return null;
  const dir = join(base, name);
  mkdirSync(dir);
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]).status !== 0) return null;
  mounts.push(dir);
  return dir;
}

const full = tmpfs('full', 'size=64k');
const readOnly = tmpfs('ro', 'ro,size=64k');

describe('output paths', () => {
  it('a file where a folder should be: refused up front and at write time, naming the file', () => {
    const file = join(base, 'a-file');
    writeFileSync(file, 'x');
    expect(() => checkOutputPath(join(file, 'sub'), 'folder', 'output folder (-o)')).toThrow(new RegExp(`${file} is a file, not a folder`));
    expect(() => checkOutputPath(file, 'folder', 'output folder (-o)')).toThrow(/the output folder \(-o\) is a file, not a folder/);
    expect(() => writeFileAtomic(join(file, 'sub', 'x.v'), 'x')).toThrow(/is a file, not a folder/);
    expect(() => checkOutputPath(base, 'file', 'output file (-o)')).toThrow(/the output file \(-o\) is a folder; give a file name/);
  });

  it('pseudo-filesystems are refused at once (Node\'s recursive mkdir loops forever in /proc)', () => {
    const t0 = performance.now();
    expect(() => checkOutputPath('/proc/lgnc/build', 'folder', 'output folder (-o)')).toThrow(/\/proc is on proc, a pseudo-filesystem/);
    expect(() => makeFolders('/proc/lgnc/build')).toThrow(/\/proc is on proc, a pseudo-filesystem/);
    expect(() => writeFileAtomic('/sys/lgnc/x.json', '{}')).toThrow(/\/sys is on sysfs, a pseudo-filesystem/);
    expect(() => writeFileAtomic('/proc/self/lgnc.json', '{}')).toThrow(/pseudo-filesystem|cannot create|cannot write/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('names too long, NUL bytes and devices are refused with the fix', () => {
    expect(() => checkOutputPath(join(base, 'n'.repeat(300)), 'file', 'output file (-o)')).toThrow(/a name of 300 bytes; file systems allow at most 255. Choose a shorter name/);
    expect(() => checkOutputPath(join(base, 'x\0y'), 'file', 'output file (-o)')).toThrow(/NUL/);
    expect(() => checkOutputPath('/dev/null', 'file', 'output file (-o)')).toThrow(/device or special file; lgnc only replaces regular files/);
    expect(() => writeFileAtomic('/dev/null', 'x')).toThrow(/device or special file/);
  });

  it('a failed multi-file write leaves nothing: no temp files, no new folders, no earlier file', () => {
    const blocker = join(base, 'blocker');
    writeFileSync(blocker, 'x');
    const out = join(base, 'multi');
    expect(() => writeFilesAtomic([
      { path: join(out, 'deep', 'a.v'), data: 'a' },
      { path: join(blocker, 'b.json'), data: 'b' },
    ])).toThrow(UserError);
    expect(() => statSync(out)).toThrow();
    expect(tree(base).filter((f) => f.includes('.tmp'))).toEqual([]);
    writeFilesAtomic([{ path: join(out, 'deep', 'a.v'), data: 'a' }, { path: join(out, 'b.json'), data: 'b' }]);
    expect(tree(out)).toEqual(['b.json', 'deep', 'deep/a.v']);
  });

  it.skipIf(!full)('no space left: a clear error, the temp file removed, the old file kept', () => {
    writeFileAtomic(join(full!, 'model.json'), 'old');
    expect(() => writeFileAtomic(join(full!, 'model.json'), Buffer.alloc(1 << 20))).toThrow(/model\.json: cannot write: no space left on the device. Free some space or choose another disk/);
    expect(tree(full!)).toEqual(['model.json']);
    expect(readFileOrFail(join(full!, 'model.json')).toString()).toBe('old');
    expect(() => writeFileAtomic(join(full!, 'new', 'deeper', 'x.bin'), Buffer.alloc(1 << 20))).toThrow(/no space left/);
    expect(tree(full!)).toEqual(['model.json']);
  });

  it.skipIf(!readOnly)('a read-only file system: refused up front with the fix', () => {
    expect(() => checkOutputPath(join(readOnly!, 'build'), 'folder', 'output folder (-o)')).toThrow(/the file system is read-only. Choose a path on a writable disk/);
    expect(() => writeFileAtomic(join(readOnly!, 'x.json'), '{}')).toThrow(/read-only/);
  });

  it('a folder the user may not write: refused up front (as root: checked as user nobody)', () => {
    const locked = join(base, 'locked');
    mkdirSync(locked, { mode: 0o555 });
    chmodSync(base, 0o755);
    const target = join(locked, 'build');
    if (process.getuid?.() !== 0) {
      expect(() => checkOutputPath(target, 'folder', 'output folder (-o)')).toThrow(/permission denied. Choose a folder you can write to/);
      return;
    }
    const asNobody = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, '--input-type=module', '-e',
      `import { checkOutputPath } from ${JSON.stringify(join(ROOT, 'dist/util/files.js'))};
       try { checkOutputPath(${JSON.stringify(target)}, 'folder', 'output folder (-o)'); } catch (e) { process.stdout.write(e.message); }`], { encoding: 'utf8' });
    if (asNobody.error || /runuser: /.test(asNobody.stderr)) return; // no runuser here
    expect(asNobody.stderr).toBe('');
    expect(asNobody.stdout).toMatch(/build: cannot write the output folder \(-o\) in .*locked: permission denied. Choose a folder you can write to/);
  });

  it('every file system error code becomes a message with the path and a fix', () => {
    for (const [code, text] of [['EACCES', 'permission denied'], ['EROFS', 'read-only'], ['ENOSPC', 'no space left'], ['EDQUOT', 'quota'], ['ENAMETOOLONG', 'too long'], ['ELOOP', 'symbolic links'], ['EIO', 'EIO']]) {
      const e = fileError(Object.assign(new Error(code), { code }), '/some/path', 'write the output file');
      expect(e).toBeInstanceOf(UserError);
      expect(e.message).toMatch(new RegExp(`^/some/path: cannot write the output file.*${text}.*\\. [A-Z]`));
    }
  });

  it('SIGTERM during a write: the process dies of the signal and no temp file is left', async () => {
    const dir = join(base, 'signal');
    mkdirSync(dir);
    const script = `import { writeFileAtomic } from ${JSON.stringify(join(ROOT, 'dist/util/files.js'))};
      const data = Buffer.alloc(32 << 20, 7);
      process.stdout.write('start\\n');
      for (let i = 0; i < 40; i++) writeFileAtomic(${JSON.stringify(join(dir, 'out.bin'))}, data);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((ok) => child.stdout.once('data', () => ok()));
    await new Promise((ok) => setTimeout(ok, 100));
    child.kill('SIGTERM');
    const [code, signal] = await new Promise<[number | null, string | null]>((ok) => child.on('exit', (c, s) => ok([c, s])));
    expect([code, signal]).toEqual([null, 'SIGTERM']);
    const left = tree(dir);
    expect(left.filter((f) => f !== 'out.bin')).toEqual([]);
    if (left.length) expect(statSync(join(dir, 'out.bin')).size).toBe(32 << 20);
  });
});

describe('reading', () => {
  it('devices, folders and files over the bound are refused before reading', () => {
    expect(() => readFileOrFail('/dev/zero', 'netlist file')).toThrow(/\/dev\/zero: is a device or socket, not a netlist file/);
    expect(() => readFileOrFail(base, 'netlist file')).toThrow(/is a folder, expected a netlist file/);
    const big = join(base, 'big.json');
    writeFileSync(big, Buffer.alloc(5000));
    expect(() => readFileOrFail(big, 'netlist file', 4096)).toThrow(/the netlist file is 5,000 bytes, more than the 4,096 lgnc reads/);
    expect(readFileOrFail(big, 'netlist file', 5000).length).toBe(5000);
  });
});
