// The lazy parameters nn.Linear, nn.Conv2d and nn.ConvTranspose2d share: a 'weight' slot and an
// optional 'bias' slot (PyTorch's state-dict names), empty until the input size is known, then made
// uniform in ±1/√fanIn from one random stream (the weight's values first, then the bias's).
import type { Tensor } from '../tensor.js';
import { outsideScopes } from '../storage.js';
import { Module } from './module.js';
import { takeStream, uniformAt } from '../ops/create.js';

/** A module with a weight and an optional bias, made at construction or (lazy) at the first input. */
export abstract class WeightBiasModule extends Module {
  #weight: Tensor | null = null;
  #bias: Tensor | null = null;

  /**
   * The weight (its shape and layout are the layer's: see its description), or null until a lazy
   * layer's first input. Read-only: load values with loadStateDict.
   */
  get weight(): Tensor | null {
    return this.#weight;
  }

  /** The bias [outFeatures or outChannels]; null without a bias, and before a lazy layer's first input. */
  get bias(): Tensor | null {
    return this.#bias;
  }

  /** The weight, or null before it is made (subclasses whose public getter throws read this). */
  protected get weightOrNull(): Tensor | null {
    return this.#weight;
  }

  /** The bias, or null (no bias, or not made yet). */
  protected get biasOrNull(): Tensor | null {
    return this.#bias;
  }

  /** Declares the 'weight' slot and, with a bias, the 'bias' slot, both empty until makeParameters. */
  protected declareParameters(hasBias: boolean): void {
    this.registerParameter('weight', null);
    if (hasBias) this.registerParameter('bias', null);
  }

  /**
   * Makes the weight (`shape`, then passed through `arrange`, which may re-lay it out and dispose
   * its input) and, when `biasSize` > 0, the bias [biasSize], uniform in ±1/√fanIn from the stream
   * of `seed` (the global generator when undefined). They outlive any tidy() scope the first
   * forward may run in.
   */
  protected makeParameters(op: string, seed: number | undefined, shape: readonly number[], fanIn: number, biasSize: number,
    arrange: (w: Tensor) => Tensor = (w) => w): void {
    const bound = 1 / Math.sqrt(fanIn);
    const wSize = shape.reduce((a, d) => a * d, 1);
    const [s, counter] = takeStream(op, wSize + biasSize, seed === undefined ? undefined : { seed });
    outsideScopes(() => {
      this.#weight = arrange(uniformAt(op, shape, -bound, bound, s, counter));
      this.registerParameter('weight', this.#weight);
      if (biasSize > 0) {
        this.#bias = uniformAt(op, [biasSize], -bound, bound, s, counter + wSize);
        this.registerParameter('bias', this.#bias);
      }
    });
  }

  /** Takes the parameters loadStateDict made for a lazy layer. */
  protected override onMaterialized(): void {
    const named = new Map(this.namedParameters());
    this.#weight = named.get('weight') ?? null;
    this.#bias = named.get('bias') ?? null;
  }
}
