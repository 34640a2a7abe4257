// nn.Sequential: modules applied in order, registered as children '0', '1', ... so parameter
// names match PyTorch's nn.Sequential (`0.weight`, `3.bias`) and state dicts move both ways.
import { ArgumentError, describe } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';
import { MaxPool2d, ReLU } from './layers.js';

/** Whether `a` is exactly nn.ReLU and `b` exactly nn.MaxPool2d without padding (every window holds an input element). */
function reluThenPool(a: Module, b: Module | undefined): b is MaxPool2d {
  if (a.constructor !== ReLU || b === undefined || b.constructor !== MaxPool2d) return false;
  const p = (b as MaxPool2d).options.padding;
  return p === undefined || p === 0 || (Array.isArray(p) && p[0] === 0 && p[1] === 0);
}

/**
 * A chain of modules, like `torch.nn.Sequential`: `forward(x)` runs each on the previous one's
 * output. Children are named by position, so `stateDict()` keys are PyTorch's (`0.weight`, ...).
 * @example
 * const net = new sc.nn.Sequential(
 *   new sc.nn.Linear({ inFeatures: 4, outFeatures: 3, seed: 0 }), new sc.nn.ReLU(),
 *   new sc.nn.Linear({ inFeatures: 3, outFeatures: 2, seed: 1 }));
 * Object.keys(net.stateDict())            // => ['0.weight', '0.bias', '2.weight', '2.bias']
 * net.forward(sc.ones([5, 4])).shape      // => [5, 2]
 * net.length                              // => 3
 */
export class Sequential extends Module {
  readonly #layers: readonly Module[];

  constructor(...modules: Module[]) {
    super();
    const list = [...modules];
    list.forEach((m, i) => {
      if (!(m instanceof Module)) throw new ArgumentError('Sequential', `modules[${i}]`, 'an nn.Module', describe(m));
      this.registerModule(String(i), m);
    });
    this.#layers = Object.freeze(list);
  }

  /** The number of modules. */
  get length(): number {
    return this.#layers.length;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): Module {
    const i = index < 0 ? index + this.#layers.length : index;
    const m = Number.isInteger(i) ? this.#layers[i] : undefined;
    if (m === undefined) throw new ArgumentError('Sequential.at', 'index', `an integer in [${-this.#layers.length}, ${this.#layers.length - 1}]`, describe(index));
    return m;
  }

  /** The modules in order (a frozen array). */
  get layers(): readonly Module[] {
    return this.#layers;
  }

  /**
   * Runs the modules in order; intermediate outputs are freed as soon as the next one is made.
   * A ReLU followed by an unpadded MaxPool2d runs as the pooling, then the ReLU on its (smaller)
   * output: max and ReLU commute, so the output and every gradient are bitwise the same (a window's
   * first maximum wins either way; where it is <= 0 both give a zero gradient).
   */
  forward(x: Tensor): Tensor {
    let y = x;
    const layers = this.#layers;
    for (let i = 0; i < layers.length; i++) {
      const m = layers[i]!, after = layers[i + 1];
      let next: Tensor;
      if (reluThenPool(m, after)) {
        const pooled = after.forward(y);
        next = m.forward(pooled);
        pooled.dispose();
        i++;
      } else {
        next = m.forward(y);
      }
      // An intermediate is only a handle: autograd keeps what backward needs on its own handles.
      if (y !== x && next !== y) y.dispose();
      y = next;
    }
    return y;
  }
}
