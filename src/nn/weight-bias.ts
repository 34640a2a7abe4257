// The lazy parameters nn.Linear, nn.Conv2d and nn.ConvTranspose2d share: a 'weight' slot and an
// optional 'bias' slot (PyTorch's state-dict names), empty until the input size is known, then made
// uniform in ±1/√fanIn from one random stream (the weight's values first, then the bias's).
import type { Tensor } from '../tensor.js';
import { outsideScopes } from '../storage.js';
import { outsideCapture } from '../ops/update.js';
import { takeStream, uniformAt } from '../ops/create.js';

/** How a layer registers a parameter slot (its Module.registerParameter). */
export type RegisterParameter = (name: string, t: Tensor | null) => void;

/**
 * A layer's weight and optional bias, made at construction or (lazy) at the first input. The layer
 * holds one and passes its registerParameter, so the slots are the layer's own; a helper object
 * rather than a base class, so no extra type appears in the public API.
 */
export class WeightBias {
  readonly #register: RegisterParameter;
  #weight: Tensor | null = null;
  #bias: Tensor | null = null;

  /** Declares the 'weight' slot and, with a bias, the 'bias' slot, both empty until make. */
  constructor(register: RegisterParameter, hasBias: boolean) {
    this.#register = register;
    register('weight', null);
    if (hasBias) register('bias', null);
  }

  /** The weight, or null before it is made. */
  get weight(): Tensor | null {
    return this.#weight;
  }

  /** The bias, or null (no bias, or not made yet). */
  get bias(): Tensor | null {
    return this.#bias;
  }

  /**
   * Makes the weight (`shape`, then passed through `arrange`, which may re-lay it out and dispose
   * its input) and, when `biasSize` > 0, the bias [biasSize], uniform in ±1/√fanIn from the stream
   * of `seed` (the global generator when undefined). They outlive any tidy() scope the first
   * forward may run in.
   */
  make(op: string, seed: number | undefined, shape: readonly number[], fanIn: number, biasSize: number,
    arrange: (w: Tensor) => Tensor = (w) => w): void {
    const bound = 1 / Math.sqrt(fanIn);
    const wSize = shape.reduce((a, d) => a * d, 1);
    const [s, counter] = takeStream(op, wSize + biasSize, seed === undefined ? undefined : { seed });
    // Once, outside any tidy() scope, and not part of a compiled step's replays (compile.ts).
    outsideCapture(() => outsideScopes(() => {
      this.#weight = arrange(uniformAt(op, shape, -bound, bound, s, counter));
      this.#register('weight', this.#weight);
      if (biasSize > 0) {
        this.#bias = uniformAt(op, [biasSize], -bound, bound, s, counter + wSize);
        this.#register('bias', this.#bias);
      }
    }));
  }

  /** Takes the parameters loadStateDict made for a lazy layer (the layer's namedParameters()). */
  reload(named: Iterable<[string, Tensor]>): void {
    const m = new Map(named);
    this.#weight = m.get('weight') ?? null;
    this.#bias = m.get('bias') ?? null;
  }
}
