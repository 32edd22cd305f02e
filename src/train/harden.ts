// Hardened training, `--harden [wires:|gates:]F[,…]`: over the last fraction F of the epochs the
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

export interface HardenSpec {
  /** HARDEN_WIRES | HARDEN_GATES. */
  parts: number;
  /** Fraction of the epochs, at the end of the run, that train these parts hardened. */
  fraction: number;
}

/** One spec, or (e.g. `wires:0.5,gates:0.1`) one per part with its own fraction. */
export type Harden = HardenSpec | HardenSpec[];

/** The specs of a Harden (a single object is the form of checkpoints written before lists). */
export function hardenSpecs(h: Harden | null | undefined): HardenSpec[] {
  return h ? (Array.isArray(h) ? h : [h]) : [];
}

/**
 * "F", "wires:F", "gates:F" or a comma-separated list of those ("wires:0.5,gates:0.1":
 * the wires over the last half, the gates too over the last tenth) → the specs; null when
 * the text is not of that form. One spec comes back as an object (the form meta had first).
 */
export function parseHarden(text: string): Harden | null {
  const specs: HardenSpec[] = [];
  for (const item of text.split(',')) {
    const m = /^\s*(?:(wires|gates):)?([0-9.]+)\s*$/.exec(item);
    if (!m) return null;
    const fraction = Number(m[2]);
    if (!(fraction > 0 && fraction <= 1)) return null;
    const parts = m[1] === 'wires' ? HARDEN_WIRES : m[1] === 'gates' ? HARDEN_GATES : HARDEN_WIRES | HARDEN_GATES;
    if (specs.some((s) => s.parts & parts)) return null; // a part named twice
    specs.push({ parts, fraction });
  }
  return specs.length === 1 ? specs[0] : specs;
}

/** The first hardened epoch (0-based) of a run of `epochs`: the last round(F · epochs) epochs, at least one. */
export function firstHardEpoch(h: HardenSpec, epochs: number): number {
  return epochs - Math.max(1, Math.round(h.fraction * epochs));
}

/** par[PAR.HARDEN] for epoch `epoch` (0-based): the parts hardened in it, 0 before the hardened epochs. */
export function hardenMask(h: Harden | null | undefined, epoch: number, epochs: number): number {
  let mask = 0;
  for (const spec of hardenSpecs(h)) if (epoch >= firstHardEpoch(spec, epochs)) mask |= spec.parts;
  return mask;
}
