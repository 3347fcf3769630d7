import { describe, expect, it } from 'vitest';
import { KeyedMutex } from './keyed-mutex.ts';

describe('KeyedMutex', () => {
  it('lets one holder per key in at a time, in order', async () => {
    const mutex = new KeyedMutex();
    const order: string[] = [];
    const first = await mutex.acquire('k');
    const second = mutex.acquire('k').then((release) => {
      order.push('second');
      return release;
    });
    const other = await mutex.acquire('other');
    order.push('other');
    await new Promise((r) => setTimeout(r, 10));
    order.push('first done');
    await first();
    await (
      await second
    )();
    await other();
    expect(order).toEqual(['other', 'first done', 'second']);
  });

  it('an aborted waiter gives up its place without blocking those behind it', async () => {
    const mutex = new KeyedMutex();
    const first = await mutex.acquire('k');
    const controller = new AbortController();
    const aborted = mutex.acquire('k', controller.signal);
    const third = mutex.acquire('k');
    controller.abort(new Error('deadline'));
    await expect(aborted).rejects.toThrow('deadline');
    await first();
    await (
      await third
    )();
  });
});
