// `npm start`: the lesson script prints what the lesson prints (run as a user would, against the
// built package).
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { decode } from 'fast-png';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('examples/lesson.ts', () => {
  const pictures = `${root}lesson-pictures`;
  rmSync(pictures, { recursive: true, force: true }); // so that only this run's pictures are found
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/lesson.ts'], { cwd: root, encoding: 'utf8' });

  it('prints the cross-correlation example', () => {
    expect(out).toContain('tensor([[19., 25.],\n        [37., 43.]])');
  });

  it('prints the edge image, the edges and the vanishing transpose', () => {
    expect(out).toContain(`tensor([${Array(6).fill('[1., 1., 0., 0., 0., 0., 1., 1.]').join(',\n        ')}])`);
    expect(out).toContain(`tensor([${Array(6).fill('[ 0.,  1.,  0.,  0.,  0., -1.,  0.]').join(',\n        ')}])`);
    expect(out).toContain(`tensor([${Array(8).fill('[0., 0., 0., 0., 0.]').join(',\n        ')}])`);
  });

  it('learns the kernel: loss printed every 2 epochs, decreasing, kernel close to [1, -1]', () => {
    const section = out.slice(out.indexOf('## Learning a kernel'), out.indexOf('## The custom Conv2D'));
    const losses = [...section.matchAll(/epoch (\d+), loss (\d+\.\d{3})/g)];
    expect(losses.map((m) => Number(m[1]))).toEqual([2, 4, 6, 8, 10]);
    const values = losses.map((m) => Number(m[2]));
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeLessThan(values[i - 1]!);
    const k = section.match(/tensor\(\[\[\s*(-?\d+\.\d+),\s*(-?\d+\.\d+)\]\]\)/);
    expect(k).not.toBeNull();
    expect(Math.abs(Number(k![1]) - 1)).toBeLessThan(0.1);
    expect(Math.abs(Number(k![2]) + 1)).toBeLessThan(0.1);
  });

  it('trains the custom corr2d + bias layer', () => {
    const m = out.match(/loss went from (\d+\.\d+) to (\d+\.\d+)/);
    expect(m).not.toBeNull();
    expect(Number(m![2])).toBeLessThan(Number(m![1]) / 10);
  });

  it('writes the pictures: input, feature maps, transposed, kernels (scaled up)', () => {
    expect(out).toContain(`pictures written to ${pictures}`);
    const sizes: [string, number, number][] = [
      ['X.png', 6 * 32, 8 * 32], ['Y.png', 6 * 32, 7 * 32], ['XT.png', 8 * 32, 6 * 32], ['YT.png', 8 * 32, 5 * 32],
      ['kernel-true.png', 64, 128], ['kernel-learned.png', 64, 128],
    ];
    for (const [name, height, width] of sizes) {
      const png = decode(readFileSync(`${pictures}/${name}`));
      expect([name, png.height, png.width]).toEqual([name, height, width]);
    }
    // The feature map: the +1 column red, the -1 column blue, the rest white.
    const y = decode(readFileSync(`${pictures}/Y.png`));
    const at = (j: number) => Array.from(y.data.subarray((3 * 32 * y.width + j * 32 + 16) * 4, (3 * 32 * y.width + j * 32 + 16) * 4 + 3));
    expect([at(0), at(1), at(3), at(5)]).toEqual([[255, 255, 255], [255, 0, 0], [255, 255, 255], [0, 0, 255]]);
  });
});
