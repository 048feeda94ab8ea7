/**
 * Batched subscription events: a step of the source stream that holds several events becomes one
 * step for graphql-ws (when its results carry no errors) and one frame per event on the wire;
 * everywhere else it is delivered one event at a time, in order.
 */
import type { ExecutionResult } from 'graphql';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { eventResults, ResultBatch, sharedPayloads } from '../../graphql-shared-events.js';

type Ev = { n: number; fail?: boolean };

/** A source stream over fixed steps, recording whether it was ended. */
function source(steps: (Ev | Ev[])[]) {
  const state = { ended: false };
  const it = steps[Symbol.iterator]();
  const iterator: AsyncIterator<unknown> = {
    next: () => Promise.resolve(it.next()),
    return: () => {
      state.ended = true;
      return Promise.resolve({ value: undefined, done: true });
    },
  };
  return { iterator, state };
}

const run = (e: unknown): ExecutionResult => {
  const ev = e as Ev;
  return ev.fail ? { data: null, errors: [new GraphQLError(`failed ${ev.n}`)] } : { data: { n: ev.n } };
};
/** The tests' batches are plain arrays (the campaign stream marks its own). */
const isArray = (value: unknown): value is unknown[] => Array.isArray(value);

/** The same, resolving later: executions of events whose fields load data are promises. */
const runLater = (e: unknown): Promise<ExecutionResult> => new Promise((resolve) => setTimeout(() => resolve(run(e)), 1));

async function drain(results: AsyncIterable<ExecutionResult>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const r of results) {
    out.push(r instanceof ResultBatch ? { batch: r.jsons.map((j) => (JSON.parse(j) as ExecutionResult).data) } : (r.data ?? r.errors?.[0]?.message));
  }
  return out;
}

describe('eventResults', () => {
  it('should make a batch one step where the transport sends batches, and single events their own', async () => {
    const { iterator } = source([[{ n: 1 }, { n: 2 }, { n: 3 }], { n: 4 }, [{ n: 5 }]]);
    expect(await drain(eventResults(iterator, run, true, isArray))).toEqual([{ batch: [{ n: 1 }, { n: 2 }, { n: 3 }] }, { n: 4 }, { n: 5 }]);
  });

  it('should wait for every execution of a batch before handing it over', async () => {
    const { iterator } = source([[{ n: 1 }, { n: 2 }]]);
    expect(await drain(eventResults(iterator, runLater, true, isArray))).toEqual([{ batch: [{ n: 1 }, { n: 2 }] }]);
  });

  it('should split a batch so no step carries more than 64 K characters of JSON, a larger result alone', async () => {
    const big = (n: number, chars: number) => ({ n, chars });
    const sized = (e: unknown): ExecutionResult => ({ data: { n: (e as { n: number }).n, pad: 'x'.repeat((e as { chars: number }).chars) } });
    const { iterator } = source([[big(1, 30_000), big(2, 30_000), big(3, 30_000), big(4, 70_000), big(5, 10), big(6, 10)] as unknown as Ev[]]);
    const steps: number[][] = [];
    for await (const r of eventResults(iterator, sized, true, isArray)) {
      const jsons = (r as unknown as ResultBatch).jsons;
      expect(jsons.length === 1 || jsons.reduce((n, j) => n + j.length, 0) <= 64 * 1024).toBe(true);
      steps.push(jsons.map((j) => (JSON.parse(j) as { data: { n: number } }).data.n));
    }
    expect(steps).toEqual([[1, 2], [3], [4], [5, 6]]);
  });

  it('should deliver a batch holding an error one result at a time, in order, so errors are masked as usual', async () => {
    const { iterator } = source([[{ n: 1 }, { n: 2, fail: true }, { n: 3 }]]);
    expect(await drain(eventResults(iterator, run, true, isArray))).toEqual([{ n: 1 }, 'failed 2', { n: 3 }]);
  });

  it('should deliver every event on its own where the transport cannot send batches (SSE)', async () => {
    const { iterator } = source([[{ n: 1 }, { n: 2 }], { n: 3 }]);
    expect(await drain(eventResults(iterator, runLater, false, isArray))).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('should end its source at once, even while a step is pending', async () => {
    const state = { ended: false };
    const stuck: AsyncIterator<unknown> = {
      next: () => new Promise(() => undefined),
      return: () => {
        state.ended = true;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
    const results = eventResults(stuck, run, true, isArray);
    void results.next();
    expect(await results.return!()).toEqual({ value: undefined, done: true });
    expect(state.ended).toBe(true);
  });

  it('should end its source when the consumer stops early', async () => {
    const { iterator, state } = source([[{ n: 1 }, { n: 2 }], { n: 3 }]);
    for await (const r of eventResults(iterator, run, false, isArray)) {
      expect(r.data).toEqual({ n: 1 });
      break;
    }
    expect(state.ended).toBe(true);
  });
});

describe('sharedPayloads', () => {
  // What graphql-ws does with a `next`: ask onNext for a replacement, serialize the message, send it.
  const serialize = (id: string, result: ExecutionResult) =>
    sharedPayloads.fill(JSON.stringify({ id, type: 'next', payload: sharedPayloads.onNext(result) ?? result }));

  it('should turn a batch into one complete next message per result, carrying the operation id', () => {
    const results = [{ data: { n: 1 } }, { data: { text: 'a "quoted" \u0000 value' } }, { data: { n: 3 } }];
    const frames = serialize('op-7', new ResultBatch(results.map((r) => JSON.stringify(r))) as unknown as ExecutionResult);
    expect(Array.isArray(frames)).toBe(true);
    expect((frames as string[]).map((f) => JSON.parse(f) as unknown)).toEqual(results.map((payload) => ({ id: 'op-7', type: 'next', payload })));
  });

  it('should leave a message that is not a shared result or batch as graphql-ws wrote it', () => {
    const text = serialize('op-1', { data: { n: 1 } });
    expect(text).toBe(JSON.stringify({ id: 'op-1', type: 'next', payload: { data: { n: 1 } } }));
  });
});
