// LeNet as an nn.Sequential whose layer sizes are read from a state dict saved in PyTorch's
// LeNet layout (the names `nn.Sequential` gives: `0.weight`, `3.bias`, ...):
//
//   0 Conv2d(1, c1, 5, padding 2) · 1 ReLU · 2 MaxPool2d(2) · 3 Conv2d(c1, c2, 5) · 4 ReLU ·
//   5 MaxPool2d(2) · 6 Flatten · 7 Linear · 8 ReLU · 9 Linear [· 10 ReLU · 11 Linear ...]
//
// Input [N, 1, 28, 28] in [0, 1] (an IDX byte / 255), output [N, 10] logits. Both the small LeNet
// of test/fixtures/lenet.json (4, 8 channels; 200 → 32 → 10) and the chapter's LeNet that
// `npm run lenet` and the playground train (6, 16 channels; 400 → 120 → 84 → 10) fit.
import * as sc from 'simdconv';

/** The state dict's shape of `name`, or an error naming what the layout expected. */
function shapeOf(state: sc.nn.StateDict, name: string, rank: number): number[] {
  const shape = state[name]?.shape;
  if (!Array.isArray(shape) || shape.length !== rank) {
    throw new Error(`LeNet state dict: expected '${name}' with a rank-${rank} shape, got ${shape === undefined ? 'none' : JSON.stringify(shape)}`);
  }
  return shape;
}

/**
 * A LeNet (ReLU, max pooling) with the weights of `state`, in evaluation mode. Throws when the
 * state dict does not have the layout above (and `loadStateDict` when a shape disagrees).
 * @example
 * const model = leNetFrom(JSON.parse(text).stateDict);
 * const logits = sc.noGrad(() => model.forward(x)); // x: [N, 1, 28, 28]
 */
export function leNetFrom(state: sc.nn.StateDict): sc.nn.Sequential {
  const [c1] = shapeOf(state, '0.weight', 4);
  const [c2] = shapeOf(state, '3.weight', 4);
  const layers: sc.nn.Module[] = [
    new sc.nn.Conv2d({ inChannels: 1, outChannels: c1!, kernelSize: 5, padding: 2 }), new sc.nn.ReLU(), new sc.nn.MaxPool2d({ kernelSize: 2, stride: 2 }),
    new sc.nn.Conv2d({ inChannels: c1!, outChannels: c2!, kernelSize: 5 }), new sc.nn.ReLU(), new sc.nn.MaxPool2d({ kernelSize: 2, stride: 2 }),
    new sc.nn.Flatten(),
  ];
  for (let i = 7; `${i}.weight` in state; i += 2) {
    if (i > 7) layers.push(new sc.nn.ReLU());
    const [outFeatures, inFeatures] = shapeOf(state, `${i}.weight`, 2);
    layers.push(new sc.nn.Linear({ inFeatures: inFeatures!, outFeatures: outFeatures! }));
  }
  if (layers.length === 7) throw new Error("LeNet state dict: expected Linear layers from '7.weight' on, found none");
  const model = new sc.nn.Sequential(...layers);
  try {
    model.loadStateDict(state);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model.eval();
}
