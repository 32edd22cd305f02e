// A growable ASCII byte buffer: the emitters write millions of short lines, and writing bytes
// straight into one buffer is several times faster (and far lighter on the garbage collector)
// than building a string per line and joining them.

/** A byte buffer that doubles when full: what the emitters' writers (text, WebAssembly) share. */
export class GrowableBuffer {
  buf: Uint8Array;
  pos = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }

  /** Makes room for n more bytes. */
  protected ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
}

export class ByteWriter extends GrowableBuffer {
  constructor(capacity = 1 << 20) {
    super(capacity);
  }

  /** Appends an ASCII string. */
  str(s: string): this {
    const n = s.length;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
    return this;
  }

  /** Appends a non-negative integer in decimal. */
  num(v: number): this {
    this.ensure(16);
    const buf = this.buf;
    if (v < 10) { buf[this.pos++] = 48 + v; return this; }
    let digits = 0;
    for (let t = v; t > 0; t = Math.floor(t / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    for (let t = v; t > 0; t = Math.floor(t / 10)) buf[--p] = 48 + (t % 10);
    return this;
  }

  /** The bytes written so far (a copy, exactly sized). */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
