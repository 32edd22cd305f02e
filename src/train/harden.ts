// Hardened training, `--harden [wires:|gates:]F`: over the last fraction F of the epochs the
// forward pass computes what freezing will keep — each gate input's argmax candidate (wires,
// topk:K) and each gate's frozen op (gates) — while the backward pass still differentiates the
// relaxation (straight-through): the candidate logits get the softmax's gradient from the
// hard forward's activations, and the gate parameters the soft op's. The soft model's
// accuracy does not survive freezing whole (the argmax of 16 trained candidates keeps one
// of a mix, README "Where the gap comes from"); training the last epochs on the frozen
// forward lets the rest of the net adapt to the choices freezing makes, while the choices
// themselves stay free to change.

/** Bits of par[PAR.HARDEN]. */
export const HARDEN_WIRES = 1;
export const HARDEN_GATES = 2;

export interface Harden {
  /** HARDEN_WIRES | HARDEN_GATES. */
  parts: number;
  /** Fraction of the epochs, at the end of the run, that train hardened. */
  fraction: number;
}

/** "F", "wires:F" or "gates:F" → the parts and fraction; null when the text is not of that form. */
export function parseHarden(text: string): Harden | null {
  const m = /^\s*(?:(wires|gates):)?([0-9.]+)\s*$/.exec(text);
  if (!m) return null;
  const fraction = Number(m[2]);
  if (!(fraction > 0 && fraction <= 1)) return null;
  const parts = m[1] === 'wires' ? HARDEN_WIRES : m[1] === 'gates' ? HARDEN_GATES : HARDEN_WIRES | HARDEN_GATES;
  return { parts, fraction };
}

/** The first hardened epoch (0-based) of a run of `epochs`: the last round(F · epochs) epochs, at least one. */
export function firstHardEpoch(h: Harden, epochs: number): number {
  return epochs - Math.max(1, Math.round(h.fraction * epochs));
}

/** par[PAR.HARDEN] for epoch `epoch` (0-based): the parts hardened in it, 0 before the hardened epochs. */
export function hardenMask(h: Harden | null | undefined, epoch: number, epochs: number): number {
  return h && epoch >= firstHardEpoch(h, epochs) ? h.parts : 0;
}
