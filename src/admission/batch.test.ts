import { describe, expect, it } from 'vitest';
import { Batcher } from './batch.ts';

function recordingLoad(fail?: Error) {
  const calls: { group: string; keys: readonly string[] }[] = [];
  const load = (group: string, keys: readonly string[]) => {
    calls.push({ group, keys });
    if (fail !== undefined) return Promise.reject(fail);
    return Promise.resolve(new Map(keys.filter((k) => k !== 'absent').map((k) => [k, `${group}:${k}`])));
  };
  return { calls, load };
}

describe('Batcher', () => {
  it('answers lookups of one turn with one load per group, each key once', async () => {
    const { calls, load } = recordingLoad();
    const batcher = new Batcher(load);
    const answers = await Promise.all([
      batcher.get('t1', 'a'),
      batcher.get('t1', 'b'),
      batcher.get('t1', 'a'),
      batcher.get('t2', 'a'),
    ]);
    expect(answers).toEqual(['t1:a', 't1:b', 't1:a', 't2:a']);
    expect(calls).toEqual([
      { group: 't1', keys: ['a', 'b'] },
      { group: 't2', keys: ['a'] },
    ]);
  });

  it('never joins a batch in flight: a later lookup gets a load of its own', async () => {
    const { calls, load } = recordingLoad();
    const batcher = new Batcher(load);
    const first = batcher.get('t', 'a');
    await new Promise((r) => setImmediate(r));
    const second = batcher.get('t', 'a');
    expect(await Promise.all([first, second])).toEqual(['t:a', 't:a']);
    expect(calls).toHaveLength(2);
  });

  it('passes a failed load to every waiter of the group, and a missing answer to its key', async () => {
    const failing = new Batcher(recordingLoad(new Error('db down')).load);
    await expect(Promise.all([failing.get('t', 'a'), failing.get('t', 'b')])).rejects.toThrow('db down');
    const batcher = new Batcher(recordingLoad().load);
    const [absent, present] = await Promise.allSettled([batcher.get('t', 'absent'), batcher.get('t', 'x')]);
    expect(absent).toMatchObject({ status: 'rejected' });
    expect(present).toEqual({ status: 'fulfilled', value: 't:x' });
  });

  it('lets one caller give up on its signal while the batch goes on for the others', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new Batcher<string>(async (_g, keys) => {
      await gate;
      return new Map(keys.map((k) => [k, k]));
    });
    const controller = new AbortController();
    const quitter = batcher.get('t', 'a', controller.signal);
    const stayer = batcher.get('t', 'a');
    await new Promise((r) => setImmediate(r));
    controller.abort(new Error('deadline'));
    await expect(quitter).rejects.toThrow('deadline');
    release();
    expect(await stayer).toBe('a');
    await expect(batcher.get('t', 'b', AbortSignal.abort(new Error('late')))).rejects.toThrow('late');
  });
});
