// The CNN chapter's layers: nn.Sequential (PyTorch stateDict names), nn.Linear (lazy inFeatures,
// PyTorch init, seeding), the parameter-free layers, and a small LeNet trained in PyTorch
// (test/fixtures/lenet.json, from test/fixtures/make_cnn_fixtures.py) loaded into an nn.Sequential:
// the same logits within 1e-5, and the state dict round trip.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { expectError } from './helpers/expect-error.js';
import { expectNoLeakedTensors } from './helpers/leaks.js';

interface LenetFixture {
  stateDict: sc.nn.StateDict;
  images: { shape: number[]; bytes: number[]; labels: number[] };
  logits: { shape: number[]; data: number[] };
  training: { testAccuracy: number };
}
const lenet = JSON.parse(readFileSync(new URL('./fixtures/lenet.json', import.meta.url), 'utf8')) as LenetFixture;

beforeAll(async () => {
  await sc.init();
});
expectNoLeakedTensors();

/** The fixture's architecture; in-channels / in-features lazy unless `eager`. */
function lenetModel(eager = false): sc.nn.Sequential {
  return new sc.nn.Sequential(
    new sc.nn.Conv2d({ inChannels: eager ? 1 : undefined, outChannels: 4, kernelSize: 5, padding: 2, seed: 1 }), new sc.nn.ReLU(),
    new sc.nn.MaxPool2d({ kernelSize: 2, stride: 2 }),
    new sc.nn.Conv2d({ inChannels: eager ? 4 : undefined, outChannels: 8, kernelSize: 5, seed: 2 }), new sc.nn.ReLU(),
    new sc.nn.MaxPool2d({ kernelSize: 2, stride: 2 }),
    new sc.nn.Flatten(), new sc.nn.Linear({ inFeatures: eager ? 200 : undefined, outFeatures: 32, seed: 3 }), new sc.nn.ReLU(),
    new sc.nn.Linear({ inFeatures: eager ? 32 : undefined, outFeatures: 10, seed: 4 }));
}

const images = (): sc.Tensor => sc.tensor(Float32Array.from(lenet.images.bytes, (b) => Math.fround(b / 255)), lenet.images.shape);

function expectLogits(model: sc.nn.Module): void {
  sc.tidy(() => {
    const y = sc.noGrad(() => model.forward(images()));
    expect(y.shape).toEqual(lenet.logits.shape);
    const got = y.data();
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - lenet.logits.data[i]!));
    expect(worst).toBeLessThan(1e-5);
    // and the predictions are the PyTorch model's
    expect(Array.from(y.argmax(1).data())).toEqual(Array.from({ length: lenet.logits.shape[0]! }, (_, b) => {
      const row = lenet.logits.data.slice(b * 10, b * 10 + 10);
      return row.indexOf(Math.max(...row));
    }));
  });
}

describe('LeNet trained in PyTorch', () => {
  it('loads into an nn.Sequential (PyTorch names 0.weight, 3.bias, 7.weight, ...) and gives the same logits within 1e-5', () => {
    for (const eager of [true, false]) {
      using model = lenetModel(eager);
      expect(Object.keys(model.stateDict()).sort()).toEqual(eager ? Object.keys(lenet.stateDict).sort() : []);
      model.loadStateDict(lenet.stateDict);
      expect(Object.keys(model.stateDict())).toEqual(['0.weight', '0.bias', '3.weight', '3.bias', '7.weight', '7.bias', '9.weight', '9.bias']);
      expectLogits(model);
    }
  });

  it('round-trips its stateDict through JSON into a fresh model, bit for bit', () => {
    using a = lenetModel(true);
    a.loadStateDict(lenet.stateDict);
    const json = JSON.parse(JSON.stringify(a.stateDict({ json: true }))) as sc.nn.StateDict;
    for (const [k, v] of Object.entries(json)) expect(v.data, k).toEqual(lenet.stateDict[k]!.data.map((x) => Math.fround(x)));
    using b = lenetModel(false);
    b.loadStateDict(json);
    expectLogits(b);
  });

  it('trains: one Adam step on the fixture images lowers their loss', () => {
    using model = lenetModel(true);
    model.loadStateDict(lenet.stateDict);
    const opt = new sc.optim.Adam(model, { lr: 1e-3 });
    const loss = () => sc.tidy(() => {
      const l = sc.nn.crossEntropy(model.forward(images()), lenet.images.labels);
      l.backward();
      return l.item();
    });
    const before = loss();
    opt.step();
    model.zeroGrad();
    const after = loss();
    model.zeroGrad();
    opt.dispose();
    expect(after).toBeLessThan(before);
  });
});

describe('nn.Linear', () => {
  it('initialises like PyTorch: weight and bias uniform in ±1/√inFeatures, seeded', () => {
    using a = new sc.nn.Linear({ inFeatures: 64, outFeatures: 50, seed: 9 });
    using b = new sc.nn.Linear({ inFeatures: 64, outFeatures: 50, seed: 9 });
    const w = a.weight!.data(), bias = a.bias!.data();
    const bound = 1 / 8;
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    expect(Math.max(...bias.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Array.from(b.weight!.data())).toEqual(Array.from(w));
    expect(a.weight!.shape).toEqual([50, 64]);
  });

  it('infers inFeatures from the first input (lazy), and checks later inputs', () => {
    using l = new sc.nn.Linear({ outFeatures: 3, bias: false, seed: 0 });
    expect(l.hasLazyParameters).toBe(true);
    expect(l.parameters()).toEqual([]);
    sc.tidy(() => {
      expect(l.forward(sc.ones([2, 4, 7])).shape).toEqual([2, 4, 3]);
    });
    expect(l.featuresIn).toBe(7);
    expect(l.bias).toBe(null);
    expect(l.namedParameters().map(([n]) => n)).toEqual(['weight']);
    sc.tidy(() => {
      expectError(() => l.forward(sc.ones([2, 6])), sc.ShapeError);
    });
  });

  it('rejects bad options', () => {
    for (const bad of [{}, { outFeatures: 0 }, { outFeatures: 2, inFeatures: 1.5 }, { outFeatures: 2, bias: 1 }, { outFeatures: 2, units: 3 }, null]) {
      expectError(() => new sc.nn.Linear(bad as never), sc.ArgumentError);
    }
  });
});

describe('nn.Sequential and the parameter-free layers', () => {
  it('names children by position and chains forward', () => {
    using net = new sc.nn.Sequential(new sc.nn.Flatten(), new sc.nn.Linear({ inFeatures: 6, outFeatures: 4, seed: 0 }), new sc.nn.Tanh(),
      new sc.nn.Linear({ inFeatures: 4, outFeatures: 2, seed: 1 }), new sc.nn.Sigmoid());
    expect(net.namedParameters().map(([n]) => n)).toEqual(['1.weight', '1.bias', '3.weight', '3.bias']);
    expect(net.length).toBe(5);
    expect(net.at(-1)).toBeInstanceOf(sc.nn.Sigmoid);
    sc.tidy(() => {
      const x = sc.randn([5, 2, 3], { seed: 1 });
      const y = net.forward(x);
      const l1 = net.at(1) as sc.nn.Linear, l3 = net.at(3) as sc.nn.Linear;
      const want = sc.linear(sc.linear(x.flatten(1), l1.weight!, l1.bias).tanh(), l3.weight!, l3.bias).sigmoid();
      expect(Array.from(y.data())).toEqual(Array.from(want.data()));
      expect(x.isDisposed).toBe(false);
      y.sum().backward();
      expect(l1.weight!.grad!.shape).toEqual([4, 6]);
    });
    net.zeroGrad();
    expectError(() => net.at(5), sc.ArgumentError);
    expectError(() => new sc.nn.Sequential({} as never), sc.ArgumentError);
  });

  it('frees the intermediate outputs of a forward under noGrad', () => {
    using net = new sc.nn.Sequential(new sc.nn.ReLU(), new sc.nn.Tanh(), new sc.nn.Sigmoid());
    const x = sc.ones([3]);
    const before = sc.memory().tensors;
    const y = sc.noGrad(() => net.forward(x));
    expect(sc.memory().tensors).toBe(before + 1);
    y.dispose();
    x.dispose();
  });

  it('pooling layers follow PyTorch defaults and keep their options', () => {
    sc.tidy(() => {
      const x = sc.randn([1, 2, 7, 7], { seed: 2 });
      const mp = new sc.nn.MaxPool2d({ kernelSize: 3, stride: 2, padding: 1, ceilMode: true });
      expect(mp.forward(x).toArray()).toEqual(sc.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }).toArray());
      const ap = new sc.nn.AvgPool2d({ kernelSize: 2 });
      expect(ap.forward(x).shape).toEqual([1, 2, 3, 3]);
      const k: [number, number] = [2, 2];
      const frozen = new sc.nn.MaxPool2d({ kernelSize: k });
      k[0] = 5;
      expect(frozen.forward(x).shape).toEqual([1, 2, 3, 3]);
      expect(new sc.nn.Flatten().forward(x).shape).toEqual([1, 98]);
      expect(new sc.nn.Flatten({ startDim: 0 }).forward(x).shape).toEqual([98]);
      expect(new sc.nn.ReLU().parameters()).toEqual([]);
    });
    expectError(() => new sc.nn.MaxPool2d({} as never), sc.ArgumentError);
    expectError(() => new sc.nn.AvgPool2d({ kernelSize: 2, dilation: 2 } as never), sc.ArgumentError);
    expectError(() => new sc.nn.Flatten({ startDim: 0.5 }), sc.ArgumentError);
  });
});
