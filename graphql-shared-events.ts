/**
 * Subscription events executed once per (event, operation, viewer) instead of once per subscriber.
 *
 * A campaign's result events are shared objects (one per stored result), and its subscribers
 * usually send the same document: a dashboard open in many tabs, or many dashboards of one team.
 * graphql-js executes the selection set for every subscriber and every event; this plugin runs
 * the subscription's source stream as usual and memoizes the per-event execution, so N
 * subscribers of one document cost one execution per result. Keys include the variables and the
 * viewer's identity and role, so what one caller may see never reaches another.
 */
import { randomUUID } from 'node:crypto';
import type { Plugin } from '@envelop/types';
import { isAsyncIterable, mapAsyncIterator } from '@graphql-tools/utils';
import {
  createSourceEventStream,
  execute,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import { LRUCache } from 'lru-cache';
import { isSharedEvent } from './resolvers/campaigns.js';
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
    return mapAsyncIterator(source, (payload: unknown) => executeEvent(args, key, payload));
  };

  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(subscribe as never);
    },
  };
}

/** Unguessable, so no text a client controls can stand for it. */
const PLACEHOLDER = `\u0000shared payload ${randomUUID()}\u0000`;
/** A `next` message's payload is its last member: the placeholder can only be at the very end. */
const PLACEHOLDER_END = `${JSON.stringify(PLACEHOLDER)}}`;
/** Set by a stand-in's `toJSON` and taken by `fill` in the same synchronous step (stringify, then send). */
let pendingPayload: string | undefined;

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
        let json = serialized.get(result);
        if (json === undefined) serialized.set(result, (json = JSON.stringify(result)));
        pendingPayload = json;
        return PLACEHOLDER;
      },
    };
    standIns.set(result, stand);
  }
  return stand;
}

/**
 * graphql-ws serializes every `next` message whole, so N subscribers of one shared result would
 * serialize it N times. These two hooks let it serialize only the envelope: `onNext` hands over a
 * stand-in for the shared result (graphql-ws would otherwise copy it), whose `toJSON` puts a
 * placeholder in the message and remembers the result's JSON, and `fill` puts that JSON in the
 * placeholder's place in the outgoing text. Results with errors take the ordinary path.
 */
export const sharedPayloads = {
  onNext(result: ExecutionResult): ExecutionResult | undefined {
    // Left by a message that was serialized but never sent (its socket was closing); nothing in
    // flight sits between a stand-in's toJSON and its fill, so nothing of use is lost here.
    pendingPayload = undefined;
    return shared.has(result) && !result.errors ? (standIn(result) as ExecutionResult) : undefined;
  },
  fill(text: string): string {
    if (pendingPayload === undefined) return text;
    const json = pendingPayload;
    pendingPayload = undefined;
    return text.endsWith(PLACEHOLDER_END) ? `${text.slice(0, -PLACEHOLDER_END.length)}${json}}` : text;
  },
};
