/**
 * Subscription events executed once per (event, operation, viewer) instead of once per subscriber.
 *
 * A campaign's result events are shared objects (one per stored result), and its subscribers
 * usually send the same document: a dashboard open in many tabs, or many dashboards of one team.
 * graphql-js executes the selection set for every subscriber and every event; this plugin runs
 * the subscription's source stream as usual and memoizes the per-event execution, so N
 * subscribers of one document cost one execution per result. Keys include the variables and the
 * viewer's identity and role, so what one caller may see never reaches another.
 *
 * A source stream may also yield an array of events, found together (a busy campaign's results
 * since the last read). Over graphql-ws such a batch passes through the async iterators between
 * the stream and the socket as one step and is sent as one `next` message per event; one step per
 * result per subscriber was most of what fan-out cost once the system calls were batched.
 */
import { randomUUID } from 'node:crypto';
import type { Plugin } from '@envelop/types';
import { isAsyncIterable } from '@graphql-tools/utils';
import {
  createSourceEventStream,
  execute,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import { LRUCache } from 'lru-cache';
import { isEventBatch, isSharedEvent } from './resolvers/campaigns.js';
import type { GraphQLContext } from './schema/context.js';

/**
 * Recent events kept with their executions: subscribers that keep up hit it, laggards re-execute.
 * Entries also expire, so a finished campaign's results do not stay behind on a quiet server.
 */
const MAX_EVENTS = 4096;
const EVENT_TTL_MS = 10_000;

type Executions = Map<string, ExecutionResult | Promise<ExecutionResult>>;

const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;

function viewerKey(context: unknown): string {
  const viewer = (context as Partial<GraphQLContext> | undefined)?.domain?.viewer;
  if (!viewer) return 'anonymous';
  return JSON.stringify([viewer.user.id, viewer.user.globalRole, viewer.user.teams]);
}

/** Everything that can make two executions of one event differ. */
function executionKey(args: ExecutionArgs): string {
  let doc = documentIds.get(args.document);
  if (doc === undefined) documentIds.set(args.document, (doc = ++nextDocumentId));
  return JSON.stringify([doc, args.operationName ?? null, args.variableValues ?? null, viewerKey(args.contextValue)]);
}

/** Results executed once for many subscribers: their JSON is worth keeping too (see `sharedPayloads`). */
const shared = new WeakSet<ExecutionResult>();
const serialized = new WeakMap<ExecutionResult, string>();

const markShared = (result: ExecutionResult) => (shared.add(result), result);

export function useSharedSubscriptionEvents(): Plugin {
  const events = new LRUCache<object, Executions>({ max: MAX_EVENTS, ttl: EVENT_TTL_MS, ttlResolution: 1000 });
  setInterval(() => events.purgeStale(), EVENT_TTL_MS).unref();

  // Runs once per subscriber per event: no closure is made here (each would cost an allocation and,
  // under tsx, a name definition).
  const executeEvent = (args: ExecutionArgs, key: string, payload: unknown) => {
    if (!isSharedEvent(payload)) return execute({ ...args, rootValue: payload });
    const shared = payload as object;
    let executions = events.get(shared);
    if (!executions) events.set(shared, (executions = new Map()));
    let result = executions.get(key);
    if (result === undefined) {
      const ran = execute({ ...args, rootValue: payload });
      executions.set(key, (result = ran instanceof Promise ? ran.then(markShared) : markShared(ran)));
    }
    return result;
  };

  const subscribe = async (args: ExecutionArgs) => {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source;
    const key = executionKey(args);
    const batched = (args.contextValue as Partial<GraphQLContext> | undefined)?.batchedEvents === true;
    return eventResults(source[Symbol.asyncIterator](), (payload: unknown) => executeEvent(args, key, payload), batched);
  };

  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(subscribe as never);
    },
  };
}

type Execution = ExecutionResult | Promise<ExecutionResult>;

/**
 * JSON characters per batch. graphql-ws waits only for a batch's last frame, so this is how far a
 * slow reader's unsent data may pass the socket's bound (a larger result goes alone).
 */
const MAX_BATCH_CHARS = 64 * 1024;

/** Results as batches of at most `MAX_BATCH_CHARS` of JSON, in order. */
function inBatches(results: readonly ExecutionResult[]): ExecutionResult[] {
  const batches: ExecutionResult[] = [];
  let jsons: string[] = [];
  let size = 0;
  for (const result of results) {
    const json = resultJson(result);
    if (jsons.length > 0 && size + json.length > MAX_BATCH_CHARS) {
      batches.push(new ResultBatch(jsons) as unknown as ExecutionResult);
      jsons = [];
      size = 0;
    }
    jsons.push(json);
    size += json.length;
  }
  batches.push(new ResultBatch(jsons) as unknown as ExecutionResult);
  return batches;
}

/**
 * A subscription's results from its source stream, whose steps are one event or a batch of events
 * (`isBatch`, delivered in order). Where the transport can send a batch at once
 * (`batchedEvents`), a batch whose results carry no errors takes one step per `MAX_BATCH_CHARS`;
 * otherwise (SSE, or a result with errors, which must pass envelop's error masking) its results
 * go one step each.
 */
export function eventResults(
  source: AsyncIterator<unknown>,
  run: (event: unknown) => Execution,
  batched: boolean,
  isBatch: (value: unknown) => value is unknown[] = isEventBatch,
): AsyncIterableIterator<ExecutionResult> {
  let queue: Execution[] = [];
  let at = 0;
  const next = async (): Promise<IteratorResult<ExecutionResult>> => {
    for (;;) {
      if (at < queue.length) return { value: await queue[at++]!, done: false };
      const step = await source.next();
      if (step.done) return { value: undefined, done: true };
      queue = isBatch(step.value) ? step.value.map(run) : [run(step.value)];
      at = 0;
      if (batched && queue.length > 1) {
        const results = queue.some((r) => r instanceof Promise) ? await Promise.all(queue) : (queue as ExecutionResult[]);
        queue = results.some((r) => r.errors) ? results : inBatches(results);
      }
    }
  };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    next,
    // Straight to the source, not behind a pending `next()`: the stream must end when its socket does.
    return: async () => {
      queue = [];
      await source.return?.();
      return { value: undefined, done: true };
    },
    throw: async (err: unknown) => {
      queue = [];
      if (source.throw) await source.throw(err);
      else await source.return?.();
      throw err;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/** Unguessable, so no text a client controls can stand for it. */
const PLACEHOLDER = `\u0000shared payload ${randomUUID()}\u0000`;
/** A `next` message's payload is its last member: the placeholder can only be at the very end. */
const PLACEHOLDER_END = `${JSON.stringify(PLACEHOLDER)}}`;
/**
 * Set by a stand-in's (or a batch's) `toJSON` and taken by `fill` in the same synchronous step
 * (stringify, then send): one result's JSON, or a batch's.
 */
let pendingPayload: string | readonly string[] | undefined;

/** A result's JSON: once per shared result, however many subscribers it reaches. */
function resultJson(result: ExecutionResult): string {
  if (!shared.has(result)) return JSON.stringify(result);
  let json = serialized.get(result);
  if (json === undefined) serialized.set(result, (json = JSON.stringify(result)));
  return json;
}

/**
 * What graphql-ws serializes in a shared result's place: its `toJSON` hands JSON.stringify the
 * placeholder and leaves the result's own JSON (computed once per result) for `fill`. One per
 * result, so subscribers of one result share it as they share the result.
 */
const standIns = new WeakMap<ExecutionResult, object>();
function standIn(result: ExecutionResult): object {
  let stand = standIns.get(result);
  if (!stand) {
    stand = {
      toJSON() {
        pendingPayload = resultJson(result);
        return PLACEHOLDER;
      },
    };
    standIns.set(result, stand);
  }
  return stand;
}

/**
 * The results of several events from one step of a subscription's stream, sent as one `next`
 * message each (see `sharedPayloads`): a batch of N results costs each subscriber one pass through
 * the async iterators between its stream and its socket (envelop's, graphql-ws's) instead of N.
 * `toJSON` runs when graphql-ws serializes the message it is the payload of.
 */
export class ResultBatch {
  /** Each result's JSON, in order. */
  constructor(readonly jsons: readonly string[]) {}
  toJSON(): string {
    pendingPayload = this.jsons;
    return PLACEHOLDER;
  }
}

/**
 * graphql-ws serializes every `next` message whole, so N subscribers of one shared result would
 * serialize it N times. These two hooks let it serialize only the envelope: `onNext` hands over a
 * stand-in for the shared result (graphql-ws would otherwise copy it), whose `toJSON` puts a
 * placeholder in the message and remembers the result's JSON, and `fill` puts that JSON in the
 * placeholder's place in the outgoing text. A batch is serialized the same way and filled in as
 * one frame per result. Results with errors take the ordinary path.
 */
export const sharedPayloads = {
  onNext(result: ExecutionResult): ExecutionResult | undefined {
    // Left by a message that was serialized but never sent (its socket was closing); nothing in
    // flight sits between a stand-in's toJSON and its fill, so nothing of use is lost here.
    pendingPayload = undefined;
    if (result instanceof ResultBatch) return result as unknown as ExecutionResult;
    return shared.has(result) && !result.errors ? (standIn(result) as ExecutionResult) : undefined;
  },
  /** The frames to send for graphql-ws's text: itself, or its payload filled in (one frame per result of a batch). */
  fill(text: string): string | string[] {
    if (pendingPayload === undefined) return text;
    const json = pendingPayload;
    pendingPayload = undefined;
    if (!text.endsWith(PLACEHOLDER_END)) return text;
    const head = text.slice(0, -PLACEHOLDER_END.length);
    return typeof json === 'string' ? `${head}${json}}` : json.map((one) => `${head}${one}}`);
  },
};
