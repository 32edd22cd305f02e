// The iCE40 devices lgnc synthesizes for: capacity (logic cells, block RAMs), the package
// nextpnr picks by default, the user I/O of each package, and the bitstream size icepack
// writes. Capacity is known here so a design that does not fit is refused with a clear
// message before place and route, instead of a tool crash.
//
// Logic cells are the datasheet rating of the part you buy. nextpnr works on the die, which
// is larger for some parts (HX4K/LP4K are 8K dies, UP3K a 5K die, iCE5LP1K/2K 4K dies); its
// report's `available` is the die figure and is kept in report.json as nextpnr gave it.
// User I/O per package was measured with nextpnr-ice40 0.8 (largest design that places).

import { UserError } from '../util/errors.js';

export interface Device {
  /** nextpnr's device flag without the dashes: `--hx8k`. */
  name: string;
  /** The part, as Lattice names it. */
  part: string;
  /** Datasheet logic cells (LUT4 + DFF + carry each). */
  logicCells: number;
  /** Logic cells nextpnr can use on the die. */
  dieLogicCells: number;
  /** 4-kbit block RAMs. */
  bram: number;
  defaultPackage: string;
  /** Package name → user I/O pins (measured). */
  packages: Record<string, number>;
  /** Size of the icepack bitstream in bytes (fixed per die). */
  bitstreamBytes: number;
}

export const DEVICES: readonly Device[] = [
  { name: 'lp384', part: 'iCE40LP384', logicCells: 384, dieLogicCells: 384, bram: 0, defaultPackage: 'qn32', packages: { qn32: 21 }, bitstreamBytes: 7334 },
  { name: 'lp1k', part: 'iCE40LP1K', logicCells: 1280, dieLogicCells: 1280, bram: 16, defaultPackage: 'tq144', packages: { tq144: 96, qn84: 67, cm81: 63 }, bitstreamBytes: 32220 },
  { name: 'lp4k', part: 'iCE40LP4K', logicCells: 3520, dieLogicCells: 7680, bram: 20, defaultPackage: 'tq144', packages: { tq144: 107, cm81: 63 }, bitstreamBytes: 135100 },
  { name: 'lp8k', part: 'iCE40LP8K', logicCells: 7680, dieLogicCells: 7680, bram: 32, defaultPackage: 'ct256', packages: { ct256: 206, cm81: 63 }, bitstreamBytes: 135100 },
  { name: 'hx1k', part: 'iCE40HX1K', logicCells: 1280, dieLogicCells: 1280, bram: 16, defaultPackage: 'tq144', packages: { tq144: 96, vq100: 72 }, bitstreamBytes: 32220 },
  { name: 'hx4k', part: 'iCE40HX4K', logicCells: 3520, dieLogicCells: 7680, bram: 20, defaultPackage: 'tq144', packages: { tq144: 107, cb132: 95 }, bitstreamBytes: 135100 },
  { name: 'hx8k', part: 'iCE40HX8K', logicCells: 7680, dieLogicCells: 7680, bram: 32, defaultPackage: 'ct256', packages: { ct256: 206, cb132: 95, bg121: 93 }, bitstreamBytes: 135100 },
  { name: 'up3k', part: 'iCE40UP3K', logicCells: 2800, dieLogicCells: 5280, bram: 20, defaultPackage: 'sg48', packages: { sg48: 39 }, bitstreamBytes: 104090 },
  { name: 'up5k', part: 'iCE40UP5K', logicCells: 5280, dieLogicCells: 5280, bram: 30, defaultPackage: 'sg48', packages: { sg48: 39, uwg30: 21 }, bitstreamBytes: 104090 },
  { name: 'u4k', part: 'iCE5LP4K', logicCells: 3520, dieLogicCells: 3520, bram: 20, defaultPackage: 'sg48', packages: { sg48: 39 }, bitstreamBytes: 71260 },
];

export function findDevice(name: string): Device {
  const d = DEVICES.find((x) => x.name === name.toLowerCase());
  if (!d) throw new UserError(`--device ${name}: unknown iCE40 device. Known: ${DEVICES.map((x) => x.name).join(', ')}.`);
  return d;
}

/** The package to use and its user I/O count; a package not in the table is refused. */
export function findPackage(d: Device, pkg?: string): { name: string; userIo: number } {
  const name = (pkg ?? d.defaultPackage).toLowerCase();
  const io = d.packages[name];
  if (io === undefined) {
    throw new UserError(`--package ${pkg}: not a known package of ${d.name}. Known: ${Object.keys(d.packages).join(', ')} (default ${d.defaultPackage}).`);
  }
  return { name, userIo: io };
}
