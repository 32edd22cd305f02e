// Boards lgnc builds a ready-to-program bitstream for: the device, the pin constraints
// (hw/<board>.pcf, naming the UART board top's ports clk, uart_rx, uart_tx), the clock and
// the UART speed. Program the result with `iceprog build/<top>.bin`.

import { UserError } from '../util/errors.js';

export interface Board {
  name: string;
  description: string;
  device: string;
  package: string;
  /** Pin constraint file, relative to the package root. */
  pcf: string;
  clockHz: number;
  baud: number;
}

export const BOARDS: readonly Board[] = [
  { name: 'icebreaker', description: '1BitSquared iCEBreaker (iCE40UP5K-SG48)', device: 'up5k', package: 'sg48', pcf: 'hw/icebreaker.pcf', clockHz: 12_000_000, baud: 115200 },
  { name: 'hx8k-breakout', description: 'Lattice iCE40-HX8K Breakout Board (iCE40HX8K-CT256)', device: 'hx8k', package: 'ct256', pcf: 'hw/hx8k-breakout.pcf', clockHz: 12_000_000, baud: 115200 },
];

export function findBoard(name: string): Board {
  const b = BOARDS.find((x) => x.name === name.toLowerCase());
  if (!b) throw new UserError(`--board ${name}: unknown board. Known: ${BOARDS.map((x) => x.name).join(', ')}.`);
  return b;
}
