import { describe, expect, it } from 'vitest';
import { ExtractionSlots } from './extraction-slots.ts';

const tick = () => new Promise((r) => setImmediate(r));
const live = () => new AbortController().signal;

describe('ExtractionSlots', () => {
  it('runs at most max at once and hands slots on in arrival order', async () => {
    const slots = new ExtractionSlots(2, 10);
    const a = await slots.acquire(live());
    const b = await slots.acquire(live());
    const order: string[] = [];
    const c = slots.acquire(live()).then((release) => (order.push('c'), release));
    const d = slots.acquire(live()).then((release) => (order.push('d'), release));
    await tick();
    expect([slots.running, slots.queued, order]).toEqual([2, 2, []]);
    a();
    a(); // idempotent: one release frees one slot
    await tick();
    expect(order).toEqual(['c']);
    b();
    await tick();
    expect(order).toEqual(['c', 'd']);
    (await c)();
    (await d)();
    expect([slots.running, slots.queued]).toEqual([0, 0]);
  });

  it('refuses at once with ADMISSION_EXTRACTION_BUSY when the queue is full', async () => {
    const slots = new ExtractionSlots(1, 1);
    const held = await slots.acquire(live());
    const waiting = slots.acquire(live());
    await expect(slots.acquire(live())).rejects.toMatchObject({ code: 'ADMISSION_EXTRACTION_BUSY' });
    held();
    (await waiting)();
    expect(slots.running).toBe(0);
  });

  it('drops a waiter whose signal aborts, so the slot goes to the next one', async () => {
    const slots = new ExtractionSlots(1, 5);
    const held = await slots.acquire(live());
    const controller = new AbortController();
    const gone = slots.acquire(controller.signal);
    const next = slots.acquire(live());
    controller.abort(new Error('deadline'));
    await expect(gone).rejects.toThrow('deadline');
    expect(slots.queued).toBe(1);
    held();
    (await next)();
    expect([slots.running, slots.queued]).toEqual([0, 0]);
    await expect(slots.acquire(AbortSignal.abort(new Error('late')))).rejects.toThrow('late');
  });
});
