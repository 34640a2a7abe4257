// `npm run examples` (examples/run-all.ts) runs every example script, as a user would, against
// the built package; this checks each one's key printed numbers.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/run-all.ts'], { cwd: root, encoding: 'utf8' });

/** The output of one example script. */
function section(name: string): string {
  const start = out.indexOf(`===== examples/${name} =====`);
  expect(start, `${name} ran`).toBeGreaterThanOrEqual(0);
  const next = out.indexOf('\n===== examples/', start + 1);
  return out.slice(start, next < 0 ? undefined : next);
}

/** The line that starts with `prefix` (the rest of it). */
function line(text: string, prefix: string): string {
  const l = text.split('\n').find((s) => s.startsWith(prefix));
  expect(l, `a line starting with ${JSON.stringify(prefix)}`).toBeDefined();
  return l!.slice(prefix.length);
}

describe('npm run examples', () => {
  it('runs every script in examples/', () => {
    const scripts = readdirSync(`${root}/examples`).filter((f) => f.endsWith('.ts') && f !== 'run-all.ts');
    expect(scripts.length).toBeGreaterThanOrEqual(6);
    for (const s of scripts) expect(out).toContain(`===== examples/${s} =====`);
    expect(out).toContain(`${scripts.length} examples ran.`);
  });

  it('diagonal-edges: K finds -1 along the diagonal, +1 on the transpose and with the transposed kernel', () => {
    const s = section('diagonal-edges.ts');
    const parts = s.split('non-zero: ').slice(1).map((p) => p.split('\n')[0]!);
    expect(parts[0]).toBe('0:0=-1 1:1=-1 2:2=-1 3:3=-1 4:4=-1 5:5=-1');
    expect(parts[1]).toBe('1:0=1 2:1=1 3:2=1 4:3=1 5:4=1');
    expect(parts[2]).toBe('0:1=1 1:2=1 2:3=1 3:4=1 4:5=1');
    expect(line(s, 'corr2d(X, K.T) equals corr2d(X.T, K).T: ')).toBe('true');
    expect(line(s, 'corr2d(X, edgeDiagonal()) non-zero: ')).toBe('none');
    expect(line(s, 'corr2d(X, edgeAntiDiagonal()) non-zero: ').split(' ')).toHaveLength(10);
  });

  it('conv2d-gradient: autograd through corr2d + bias matches finite differences', () => {
    const s = section('conv2d-gradient.ts');
    const worst = Number(line(s, 'largest relative difference between autograd and finite differences: '));
    expect(worst).toBeLessThan(1e-3);
    const nums = (t: string) => [...t.matchAll(/-?\d+\.\d+/g)].map((m) => Number(m[0]));
    const auto = nums(s.slice(s.indexOf('dL/dK (autograd)'), s.indexOf('dL/dK (finite difference)')));
    const fd = nums(line(s, 'dL/dK (finite difference) ') + line(s, 'dL/db (finite difference) '));
    expect(auto).toHaveLength(3);
    auto.forEach((v, i) => expect(Math.abs(v - fd[i]!)).toBeLessThan(1e-2 * Math.max(1, Math.abs(v))));
    expect(Number(line(s, 'by hand: dL/db = 2·sum(r) = '))).toBeCloseTo(auto[2]!, 3);
  });

  it('matrix-multiplication: T @ vec(X) and vec(K) @ im2col(X) print corr2d', () => {
    const s = section('matrix-multiplication.ts');
    expect(s.split('tensor([[19., 25.],\n        [37., 43.]])').length - 1).toBe(3);
    expect(s).toContain('tensor([[0., 1., 0., 2., 3., 0., 0., 0., 0.],');
    expect(s).toContain('tensor([[0., 1., 3., 4.],');
    expect(Number(line(s, 'toeplitz: T is 42x48, max |T @ vec(X) - corr2d(X, K)| = '))).toBe(0);
    expect(Number(line(s, 'im2col: max |vec(K) @ im2col(X) - corr2d(X, K)| = '))).toBe(0);
    expect(line(s, 'conv2d output ')).toBe('5x5; T is 25x99; im2col is 9x25');
    expect(Number(line(s, 'max |T @ vec(X) - conv2d| = '))).toBeLessThan(1e-5);
    expect(Number(line(s, 'max |vec(K) @ im2col(X) - conv2d| = '))).toBeLessThan(1e-5);
    expect(s).toContain('dsum/dK via corr2d [8, 12, 20, 24], via toeplitz [8, 12, 20, 24]');
  });

  it('designing-kernels: finite differences of degree 1..4 on a cubic, the second derivative, integrals', () => {
    const s = section('designing-kernels.ts');
    expect(line(s, 'degree 1: kernel ')).toBe('[[-1,1]] (2 taps) -> row 0 [2,4,12,26,46,72,104]');
    expect(line(s, 'degree 2: kernel ')).toBe('[[1,-2,1]] (3 taps) -> row 0 [2,8,14,20,26,32]');
    expect(line(s, 'degree 3: kernel ')).toBe('[[-1,3,-3,1]] (4 taps) -> row 0 [6,6,6,6,6]');
    expect(line(s, 'degree 4: kernel ')).toBe('[[1,-4,6,-4,1]] (5 taps) -> row 0 [0,0,0,0]');
    expect(line(s, 'corr2d(x², [1, -2, 1]) = ')).toBe('[[2,2,2,2,2,2]]');
    expect(line(s, 'corr2d(x² + y², laplacian) = ')).toBe('[[4,4,4],[4,4,4],[4,4,4]]');
    expect(line(s, 'box (rectangle rule) h·[1 x 10] over t in [0, 1): ')).toMatch(/^0\.9000 /);
    expect(line(s, 'trapezoid h·[½, 1, ..., 1, ½] over all 11 samples: ')).toMatch(/^1\.0000 /);
    expect(line(s, 'running sum of [1, 2, 3, 4, 5] = ')).toBe('[1,3,6,10,15]');
    expect(line(s, 'its first difference = ')).toMatch(/^\[1,2,3,4,5\]/);
  });

  it("receptive-field: the lesson's 19 and z", () => {
    const s = section('receptive-field.ts');
    expect(line(s, 'the receptive field of 19 = Y[0, 0] in X: elements ')).toMatch(/^\[0,1,3,4\]/);
    expect(line(s, "a second 2x2 layer gives z (1x1); z's field in Y: ")).toBe('[0,1,2,3], in X: [0,1,2,3,4,5,6,7,8]');
    expect(line(s, 'layer 3: ')).toBe('field 7x7, jump 1, start 3, output 26x26');
    expect(line(s, 'layer 5: ')).toBe('field 16x16, jump 2, start 7.5, output 9x9');
  });

  it('lesson: runs first, as in npm start', () => {
    expect(out.indexOf('===== examples/lesson.ts =====')).toBeLessThan(out.indexOf('===== examples/conv2d-gradient.ts ====='));
    expect(section('lesson.ts')).toContain('tensor([[19., 25.],\n        [37., 43.]])');
  });
});
