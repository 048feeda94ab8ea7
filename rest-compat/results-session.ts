/**
 * Fleet's results conversation (fleet-behavior.md §5.3) over any socket that can send and close:
 * auth → select_campaign → totals/status/result/error. The socket adapters only move strings.
 */
import { campaignEvents, type CampaignEvent } from '../resolvers/campaigns.js';
import type { Ctx, Deps } from '../resolvers/context.js';
import { DomainError } from '../resolvers/errors.js';
import { authenticate } from '../resolvers/users.js';
import { eventFrame } from './wire-campaigns.js';

export type ResultsSocket = {
  /** Resolves once the frame is handed to the network, so a slow reader slows only itself. */
  send(text: string): Promise<void>;
  close(): void;
  /** Cuts the connection without a goodbye (a reader too slow to read one). */
  terminate(): void;
};

type Message = { type?: unknown; data?: unknown };

/**
 * A client frame holds one message object, or (as Fleet's docs show) an array of message objects
 * or of JSON strings; anything else is unreadable.
 */
function parseFrame(text: string): (Message | undefined)[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [undefined];
  }
  const one = (v: unknown): Message | undefined => {
    if (typeof v === 'string') {
      try {
        return one(JSON.parse(v));
      } catch {
        return undefined;
      }
    }
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Message) : undefined;
  };
  // An empty array holds no message: as unreadable as any other non-message.
  return Array.isArray(value) && value.length > 0 ? value.map(one) : [one(value)];
}

export function openResultsSession(deps: Deps, socket: ResultsSocket, remoteAddress: string) {
  let phase: 'auth' | 'select' | 'streaming' | 'closed' = 'auth';
  const ctx: Ctx = { deps, viewer: null, remoteAddress, disconnect: () => socket.terminate() };
  let stream: AsyncGenerator<CampaignEvent[]> | undefined;
  let queue: Promise<void> = Promise.resolve();

  const fail = async (message: string) => {
    phase = 'closed';
    await socket.send(JSON.stringify({ type: 'error', data: message }));
    socket.close();
  };

  const streamCampaign = async (campaignId: number) => {
    const events = (stream = campaignEvents(ctx, campaignId));
    try {
      delivery: for await (const batch of events) {
        for (const event of batch) {
          if (phase === 'closed') break delivery;
          // Each frame waited for, so a slow reader's unsent data stays within the socket's bound.
          await socket.send(eventFrame(event));
          if (event.kind === 'error' && event.fatal) break delivery;
        }
      }
      // The conversation lasts as long as the events do.
      if (phase !== 'closed') {
        phase = 'closed';
        socket.close();
      }
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      await fail(err.code === 'NOT_FOUND' ? `cannot find campaign for ID ${campaignId}` : 'forbidden');
    }
  };

  const handle = async (msg: Message | undefined) => {
    if (phase === 'auth') {
      if (!msg || msg.type !== 'auth') {
        phase = 'closed';
        socket.close();
        return;
      }
      const token = (msg.data as { token?: unknown } | undefined)?.token;
      ctx.viewer = typeof token === 'string' && token !== '' ? await authenticate(ctx, token) : null;
      if (!ctx.viewer) return fail('unauthorized');
      phase = 'select';
      return;
    }
    if (phase !== 'select') return;
    if (!msg) return fail('error reading select_campaign');
    if (msg.type !== 'select_campaign') return fail('expected select_campaign');
    const data = msg.data;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return fail('error unmarshaling select_campaign data');
    const id = (data as { campaign_id?: unknown }).campaign_id ?? 0;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) return fail('error unmarshaling select_campaign data');
    if (id === 0) return fail('0 is not a valid campaign ID');
    phase = 'streaming';
    // Streaming runs on its own so later client frames (ignored) never wait behind it.
    void streamCampaign(id).catch(() => socket.close());
  };

  return {
    onMessage(text: string) {
      for (const msg of parseFrame(text)) queue = queue.then(() => handle(msg)).catch(() => socket.close());
    },
    onClose() {
      phase = 'closed';
      void stream?.return(undefined);
    },
  };
}
