// `npm run bench:lenet`: LeNet on Fashion-MNIST (examples/lenet.ts's relu variant: ReLU, max
// pooling, Adam 1e-3, batch 256), training throughput and test-set inference throughput, simdconv
// on 1 and 2 threads against PyTorch (Debian's python3-torch, bench/lenet_torch.py) on 1 and 2
// threads (torch.set_num_threads), side by side in one run. simdconv trains as `npm run lenet`
// does: each full batch is one sc.compile'd step (replayed kernel calls; on two threads the jobs
// the capture split over the threads replay split, on the pool's threads).
//
//   tsx bench/lenet.ts [--rounds R] [--steps K] [--no-torch] [--profile | --ab]
//
// Each implementation is a child process that loads the data and builds the model once, then
// answers commands on stdin ("train K": time K more training steps; "infer": time the forward
// pass over the 10,000 test images in batches of 1000, no autograd). After a warm-up the parent
// asks each child in turn, rotating the order every round, so all of them see the same machine
// load; it prints the median img/s of every implementation and simdconv's ratio to PyTorch on the
// same number of threads. Without /usr/bin/python3 and torch the PyTorch columns are skipped with
// a message.
//
// --profile times one eager simdconv training step (one thread) by phase (forward, loss, backward,
// optimizer, ...) and every kernel call by name and size arguments (kernels wrapped with timers,
// so the sum includes their call overhead), and prints where the step's time goes. It counts
// this process's CPU time, not wall time, so other processes on the cores do not inflate it.
//
// --ab times simdconv's training step four ways in one process, in turn (rotating the order every
// round): eager and compiled, on 1 and 2 threads (setThreads between them), K steps per block,
// on seeded random images. Blocks during which other processes used more than one core (from
// /proc/stat) are left out. Prints the median ms per step of each (wall clock, and the CPU time of
// the process's threads, which other processes do not inflate) and their ratios.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { evaluate, floats, leNet, sc, trainer as stepper, xavier } from '../examples/lenet.js';

const USAGE = 'usage: tsx bench/lenet.ts [--rounds R] [--steps K] [--no-torch] [--profile | --ab]';
const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = fileURLToPath(new URL('./lenet_torch.py', import.meta.url));
const BATCH = 256;

interface Args { rounds: number; steps: number; torch: boolean; profile: boolean; ab: boolean; serve: number }

function parseArgs(argv: string[]): Args {
  const a: Args = { rounds: 7, steps: 20, torch: true, profile: false, ab: false, serve: 0 };
  const int = (name: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer, got ${v}\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--rounds': a.rounds = int('rounds', v); i++; break;
      case '--steps': a.steps = int('steps', v); i++; break;
      case '--no-torch': a.torch = false; break;
      case '--profile': a.profile = true; break;
      case '--ab': a.ab = true; break;
      case '--serve': a.serve = int('serve', v); i++; break; // internal: the simdconv child on this many threads
      default: throw new Error(`unknown argument ${argv[i]}\n${USAGE}`);
    }
  }
  return a;
}

// ---- the simdconv side: a training loop over a fixed shuffle, as examples/lenet.ts runs it ----

interface Trainer {
  /** Runs k training steps; returns the last loss. */
  train(k: number): number;
  /** Classifies the test set; returns its accuracy. */
  infer(): number;
  model: sc.nn.Module;
}

async function trainer(threads: number): Promise<Trainer> {
  await sc.init({ threads });
  const { train, test } = await sc.data.loadFashionMnist({ readFile });
  const px = train.rows * train.cols;
  const stats = sc.data.pixelStats(train);
  const xTrain = floats(train, stats), xTest = floats(test, stats);
  const perm = sc.data.permutation(train.count, 0);
  const batch = new Float32Array(BATCH * px), labels = new Int32Array(BATCH);
  const model = leNet('relu');
  xavier(model, 0);
  const opt = new sc.optim.Adam(model, { lr: 1e-3 });
  // As npm run lenet trains: a compiled step (its split jobs replayed on the pool's workers).
  const steps = stepper(model, opt, BATCH, train.rows, train.cols, true);
  let step = 0;
  return {
    model,
    train(k) {
      let loss = NaN;
      for (let s = 0; s < k; s++, step++) {
        const first = (step * BATCH) % (train.count - BATCH + 1);
        for (let j = 0; j < BATCH; j++) {
          const i = perm[first + j]!;
          batch.set(xTrain.subarray(i * px, (i + 1) * px), j * px);
          labels[j] = train.labels[i]!;
        }
        model.train();
        [loss] = steps.step(batch, labels);
      }
      return loss;
    },
    infer: () => evaluate(model, xTest, test, test.count, px),
  };
}

/** The child: answers "train K" / "infer" with one JSON line each. */
async function serve(threads: number): Promise<void> {
  const t = await trainer(threads);
  const caps = sc.capabilities();
  console.log(JSON.stringify({ ready: true, threads: caps.threads }));
  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, arg] = line.trim().split(/\s+/);
    if (cmd === 'quit' || cmd === undefined || cmd === '') break;
    const t0 = performance.now(), c0 = cpuMs();
    const rates = (images: number) => ({ imgPerSec: images / ((performance.now() - t0) / 1000), imgPerCpuSec: images / ((cpuMs() - c0) / 1000) });
    if (cmd === 'train') {
      const k = Number(arg);
      const loss = t.train(k);
      console.log(JSON.stringify({ ...rates(BATCH * k), loss }));
    } else if (cmd === 'infer') {
      const acc = t.infer();
      console.log(JSON.stringify({ ...rates(10000), acc }));
    } else {
      console.log(JSON.stringify({ error: `unknown command ${cmd}` }));
    }
  }
  process.exit(0);
}

// ---- the parent: children asked in turn ----

interface Child {
  name: string;
  threads: number;
  proc: ChildProcessWithoutNullStreams;
  lines: AsyncIterator<string>;
  train: number[];
  infer: number[];
  trainCpu: number[];
  inferCpu: number[];
  info: Record<string, unknown>;
}

async function startChild(name: string, threads: number, cmd: string, args: string[]): Promise<Child | string> {
  const proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) {
    await new Promise((r) => proc.once('close', r));
    return `${name} did not start: ${stderr.trim().split('\n').slice(-3).join(' / ') || 'no output'}`;
  }
  return { name, threads, proc, lines, train: [], infer: [], trainCpu: [], inferCpu: [], info: JSON.parse(first.value) as Record<string, unknown> };
}

async function ask(c: Child, command: string): Promise<Record<string, number>> {
  c.proc.stdin.write(command + '\n');
  const r = await c.lines.next();
  if (r.done) throw new Error(`${c.name} exited during "${command}"`);
  const o = JSON.parse(r.value) as Record<string, number | string>;
  if (typeof o.error === 'string') throw new Error(`${c.name}: ${o.error}`);
  return o as Record<string, number>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function compare(a: Args): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const children: Child[] = [];
  const skipped: string[] = [];
  const add = (c: Child | string): void => void (typeof c === 'string' ? skipped.push(c) : children.push(c));
  for (const T of [1, 2]) add(await startChild(`simdconv ${T}t`, T, process.execPath, [...process.execArgv, self, '--serve', String(T)]));
  if (!a.torch) skipped.push('PyTorch: --no-torch');
  else if (!existsSync(PYTHON)) skipped.push(`PyTorch: ${PYTHON} not found (apt-get install python3-torch): skipped`);
  else for (const T of [1, 2]) add(await startChild(`PyTorch ${T}t`, T, PYTHON, [TORCH_SCRIPT, 'serve', '--threads', String(T)]));
  for (const s of skipped) console.log(`  ${s}`);
  const torchVersion = children.find((c) => c.info.torch)?.info.torch;
  console.log(`LeNet (relu: ReLU, max pooling, Adam 1e-3) on Fashion-MNIST, batch ${BATCH}: ${a.rounds} rounds of ${a.steps} training steps ` +
    `and one pass over the 10,000 test images per implementation, in turn${torchVersion ? `; PyTorch ${torchVersion}` : ''}`);
  for (const c of children) { await ask(c, 'train 5'); await ask(c, 'infer'); } // warm-up
  for (let r = 0; r < a.rounds; r++) {
    for (let i = 0; i < children.length; i++) {
      const c = children[(i + r) % children.length]!;
      const tr = await ask(c, `train ${a.steps}`), inf = await ask(c, 'infer');
      c.train.push(tr.imgPerSec!);
      c.trainCpu.push(tr.imgPerCpuSec!);
      c.infer.push(inf.imgPerSec!);
      c.inferCpu.push(inf.imgPerCpuSec!);
    }
    process.stderr.write(`\r  round ${r + 1}/${a.rounds}`);
  }
  process.stderr.write('\r\x1b[K');
  for (const c of children) { c.proc.stdin.write('quit\n'); c.proc.stdin.end(); }
  const torchAt = (T: number) => children.find((c) => c.name === `PyTorch ${T}t`);
  const col = (s: string, n: number) => s.padStart(n);
  const ratio = (c: Child, pick: (c: Child) => number[]) => {
    const tt = torchAt(c.threads);
    return tt && tt !== c ? `${(median(pick(c)) / median(pick(tt))).toFixed(2)}x` : '';
  };
  console.log(`\n${'implementation'.padEnd(16)}${col('train img/s', 12)}${col('vs PyTorch', 11)}${col('infer img/s', 13)}${col('vs PyTorch', 11)}` +
    `${col('train img/CPU-s', 17)}${col('vs PyTorch', 11)}${col('infer img/CPU-s', 17)}${col('vs PyTorch', 11)}`);
  for (const c of children) {
    const cpu = c.threads === 1; // per CPU-second rates compare like with like only on one thread
    console.log(`${c.name.padEnd(16)}${col(median(c.train).toFixed(0), 12)}${col(ratio(c, (x) => x.train), 11)}` +
      `${col(median(c.infer).toFixed(0), 13)}${col(ratio(c, (x) => x.infer), 11)}` +
      (cpu ? `${col(median(c.trainCpu).toFixed(0), 17)}${col(ratio(c, (x) => x.trainCpu), 11)}${col(median(c.inferCpu).toFixed(0), 17)}${col(ratio(c, (x) => x.inferCpu), 11)}` : ''));
  }
  for (const c of children) {
    console.log(`  ${c.name} spread: train ${Math.min(...c.train).toFixed(0)}-${Math.max(...c.train).toFixed(0)}, infer ${Math.min(...c.infer).toFixed(0)}-${Math.max(...c.infer).toFixed(0)} img/s`);
  }
  console.log('img/s: wall clock, the median over the rounds; img/CPU-s: per second of the process\'s own CPU time (one thread only: not inflated by other ' +
    'processes on the cores). Ratios: simdconv over PyTorch on the same number of threads, measured in the same rounds.');
}

// ---- --profile: where one simdconv training step spends its time ----

interface Tally { ms: number; calls: number }

/** This process's CPU time in ms (user + system): unlike wall time, not inflated when other processes share the cores. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function profile(a: Args): Promise<void> {
  const tally = new Map<string, Tally>();
  let timing = false;
  const instantiate = WebAssembly.instantiate.bind(WebAssembly);
  // Wraps every exported kernel with a timer keyed by its name and its small integer arguments
  // (sizes; byte addresses are large and left out), counted only while `timing` is set.
  (WebAssembly as { instantiate: unknown }).instantiate = async (m: WebAssembly.Module, imports?: WebAssembly.Imports) => {
    const inst = (await instantiate(m, imports)) as WebAssembly.Instance;
    const exports: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(inst.exports)) {
      if (typeof fn !== 'function') { exports[name] = fn; continue; }
      const f = fn as (...args: number[]) => number;
      exports[name] = (...args: number[]) => {
        if (!timing) return f(...args);
        const t0 = cpuMs();
        const r = f(...args);
        const dt = cpuMs() - t0;
        const key = `${name.replace(/_f32_simd$/, '')}(${args.filter((x) => Number.isInteger(x) && Math.abs(x) < 4096).join(',')})`;
        const e = tally.get(key) ?? { ms: 0, calls: 0 };
        e.ms += dt;
        e.calls++;
        tally.set(key, e);
        return r;
      };
    }
    return { exports } as unknown as WebAssembly.Instance;
  };
  const t = await trainer(1);
  t.train(10); // warm-up
  phases(t.model, a.steps);
  const k = a.steps;
  timing = true;
  const t0 = cpuMs();
  t.train(k);
  const total = (cpuMs() - t0) / k;
  timing = false;
  const rows = [...tally.entries()].map(([key, e]) => ({ key, ms: e.ms / k, calls: e.calls / k })).sort((x, y) => y.ms - x.ms);
  const kernelMs = rows.reduce((s, r) => s + r.ms, 0);
  console.log(`one training step (batch ${BATCH}, 1 thread, kernels timed): ${total.toFixed(2)} ms, of which kernels ${kernelMs.toFixed(2)} ms ` +
    `(${((100 * kernelMs) / total).toFixed(0)} %), the rest JavaScript (ops, autograd, optimizer, batch copy)`);
  console.log(`${'kernel(size arguments)'.padEnd(72)}${'ms/step'.padStart(9)}${'%'.padStart(6)}${'calls'.padStart(7)}`);
  for (const r of rows) {
    if (r.ms < 0.005 * total) continue;
    console.log(`${r.key.slice(0, 71).padEnd(72)}${r.ms.toFixed(3).padStart(9)}${((100 * r.ms) / total).toFixed(1).padStart(6)}${String(r.calls).padStart(7)}`);
  }
}

/** --ab: eager and compiled training steps on 1 and 2 threads, interleaved in this process (see the header). */
async function ab(a: Args): Promise<void> {
  await sc.init({ threads: 2 });
  const images = sc.tidy(() => sc.randn([BATCH, 1, 28, 28], { seed: 1 }).data());
  const labels = new Int32Array(BATCH).map((_, i) => (i * 7) % 10);
  const ways = [];
  for (const [name, threads, compiled] of [['eager 1t', 1, false], ['compiled 1t', 1, true], ['eager 2t', 2, false], ['compiled 2t', 2, true]] as const) {
    await sc.setThreads(threads);
    const model = leNet('relu');
    xavier(model, 0);
    const steps = stepper(model, new sc.optim.Adam(model, { lr: 1e-3 }), BATCH, 28, 28, compiled);
    steps.step(images, labels); // a compiled step's capture
    ways.push({ name, threads, steps, ms: [] as number[], cpu: [] as number[] });
  }
  if (sc.capabilities().threads !== 2) console.log('(no second thread here: the 2t rows run on one)');
  let left = 0;
  for (let r = 0; r < a.rounds; r++) {
    for (let i = 0; i < ways.length; i++) {
      const w = ways[(i + r) % ways.length]!;
      await sc.setThreads(w.threads);
      w.steps.step(images, labels);
      const t0 = performance.now(), c0 = cpuMs(), j0 = busyJiffies();
      for (let k = 0; k < a.steps; k++) w.steps.step(images, labels);
      const ms = performance.now() - t0, cpu = cpuMs() - c0;
      if ((busyJiffies() - j0) * 10 - cpu > ms) left++;
      else {
        w.ms.push(ms / a.steps);
        w.cpu.push(cpu / a.steps);
      }
    }
  }
  const med = (v: number[]) => [...v].sort((x, y) => x - y)[v.length >> 1] ?? NaN;
  const m = Object.fromEntries(ways.map((w) => [w.name, med(w.ms)]));
  console.log(`LeNet training step, batch ${BATCH}: median ms over blocks of ${a.steps} steps (${left} of ${a.rounds * 4} blocks left out: other processes used over one core)`);
  for (const w of ways) console.log(`  ${w.name.padEnd(12)} ${med(w.ms).toFixed(2).padStart(7)} ms, CPU of all its threads ${med(w.cpu).toFixed(2).padStart(7)} ms  (${w.ms.length} blocks)`);
  console.log(`compiled 2t / eager 2t ${(m['compiled 2t']! / m['eager 2t']!).toFixed(3)}, compiled 1t / eager 1t ${(m['compiled 1t']! / m['eager 1t']!).toFixed(3)}; ` +
    `2 threads over 1: compiled ${(m['compiled 1t']! / m['compiled 2t']!).toFixed(2)}x, eager ${(m['eager 1t']! / m['eager 2t']!).toFixed(2)}x`);
  for (const w of ways) w.steps.dispose();
}

/** Busy time of all CPUs so far, in jiffies (1/100 s): /proc/stat's user, nice, system, irq, softirq and steal; 0 where it is absent. */
function busyJiffies(): number {
  if (!existsSync('/proc/stat')) return 0;
  const v = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return v[0]! + v[1]! + v[2]! + v[5]! + v[6]! + (v[7] ?? 0);
}

/** Times the phases of a training step (kernels untimed): forward, loss, backward, optimizer step, zeroGrad, the rest. */
function phases(model: sc.nn.Module, k: number): void {
  const opt = new sc.optim.Adam(model, { lr: 1e-3 });
  const x = sc.rand([BATCH, 1, 28, 28], { seed: 1 }), labels = new Int32Array(BATCH).map((_, i) => i % 10);
  const names = ['tensor', 'forward', 'loss', 'backward', 'step', 'zeroGrad', 'argmax+item', 'tidy end'] as const;
  const ms = new Float64Array(names.length);
  const data = x.data();
  for (let s = 0; s < k + 3; s++) {
    const t: number[] = [cpuMs()];
    sc.tidy(() => {
      const input = sc.tensor(data, [BATCH, 1, 28, 28]);
      t.push(cpuMs());
      const logits = model.forward(input);
      t.push(cpuMs());
      const l = sc.nn.crossEntropy(logits, labels);
      t.push(cpuMs());
      l.backward();
      t.push(cpuMs());
      opt.step();
      t.push(cpuMs());
      opt.zeroGrad();
      t.push(cpuMs());
      logits.argmax(1).data();
      l.item();
      t.push(cpuMs());
    });
    t.push(cpuMs());
    if (s >= 3) for (let i = 0; i < names.length; i++) ms[i] += t[i + 1]! - t[i]!;
  }
  const total = ms.reduce((a, b) => a + b, 0);
  console.log(`phases of one training step (kernels untimed): ${(total / k).toFixed(2)} ms = ` +
    names.map((n, i) => `${n} ${(ms[i]! / k).toFixed(2)}`).join(', '));
  opt.dispose();
  x.dispose();
}

const args = parseArgs(process.argv.slice(2));
if (!existsSync(sc.data.FASHION_MNIST_DEBIAN_DIR)) {
  console.log(`Fashion-MNIST not found in ${sc.data.FASHION_MNIST_DEBIAN_DIR} (apt-get install dataset-fashion-mnist): skipped`);
} else if (args.serve) {
  await serve(args.serve);
} else if (args.profile) {
  await profile(args);
} else if (args.ab) {
  await ab(args);
} else {
  await compare(args);
}
