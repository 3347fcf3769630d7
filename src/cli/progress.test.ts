import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressBar } from './progress.ts';

function sink() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

describe('progress display', () => {
  it('prints nothing when stderr is not a terminal', () => {
    const s = sink();
    const bar = progressBar(s.stream, false);
    bar.update(5, 10, 'layer 1/3');
    bar.done();
    expect(s.text()).toBe('');
  });

  it('draws a bar on a terminal and clears it when done', () => {
    const s = sink();
    let t = 0;
    const bar = progressBar(s.stream, true, () => (t += 1000));
    bar.update(5, 10, 'layer 1/3');
    expect(s.text()).toContain(' 50% layer 1/3');
    bar.done();
    expect(s.text().endsWith('\r')).toBe(true);
  });
});
