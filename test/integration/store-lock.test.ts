import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, openTestStore, type TestStore } from './store-harness.ts';

describe.each(BACKENDS)('advisory locks on %s', (backend) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(backend);
  });
  afterAll(async () => store?.close());

  it('one holder per key; the next gets it when released; an abort gives up waiting', async () => {
    const events: string[] = [];
    const release = await store.db.advisoryLock('extract:sha256:aaa');
    const controller = new AbortController();
    const abandoned = store.db.advisoryLock('extract:sha256:aaa', controller.signal);
    const next = store.db.advisoryLock('extract:sha256:aaa').then((r) => {
      events.push('next acquired');
      return r;
    });
    const other = await store.db.advisoryLock('extract:sha256:bbb');
    events.push('other key acquired');
    controller.abort(new Error('deadline'));
    await expect(abandoned).rejects.toThrow('deadline');
    await new Promise((r) => setTimeout(r, 100));
    events.push('releasing');
    await release();
    await (
      await next
    )();
    await other();
    expect(events).toEqual(['other key acquired', 'releasing', 'next acquired']);
  });
});
