/**
 * Write-behind for results sockets. A sender that waited for every frame to reach the kernel
 * could send one frame per subscriber per turn of the event loop, each in its own system call.
 * Here a frame is handed over at once while the socket holds little unsent data, and the frames
 * of a few milliseconds leave together: every socket written to is corked, and all of them are
 * uncorked together once `HOLD_MS` have passed since the first frame was held (one `writev` per
 * socket for all its frames of that window). A busy campaign delivers several results per system
 * call instead of one, which is most of what fan-out costs; a quiet one adds at most `HOLD_MS`.
 *
 * The hold is checked on every send as well as by a timer: a timer alone fires only between turns
 * of the event loop, and a loaded server's turn (hundreds of agents' answers) lasts far longer.
 *
 * Only a reader that lets its buffer grow past the bound makes its sender wait, so memory per slow
 * reader stays bounded and the slowness stays with that reader.
 */
import type { WebSocket } from 'ws';

/** Bytes a socket may hold unsent before its sender waits for the network. */
export const MAX_UNSENT_BYTES = 256 * 1024;

/** How long a frame may wait for others to share its system call. */
export const HOLD_MS = 5;

const ignore = () => undefined;

/** A socket or HTTP response whose writes can be held back. */
type Corkable = { cork(): void; uncork(): void };

/** Streams corked in the current window, and when the window opened. */
const held = new Set<Corkable>();
let windowOpenedAt = 0;
let timer: NodeJS.Timeout | undefined;

function flushHeld(): void {
  clearTimeout(timer);
  timer = undefined;
  // Uncorking may run write callbacks; take the set first so nothing held meanwhile is lost.
  const streams = [...held];
  held.clear();
  for (const stream of streams) {
    try {
      stream.uncork();
    } catch {
      // A stream that fails here is being torn down; the others must still be released.
    }
  }
}

/** Holds the stream's writes until the current window closes (a no-op if they already are). */
export function holdWrites(stream: Corkable): void {
  const now = performance.now();
  if (held.size > 0 && now - windowOpenedAt >= HOLD_MS) flushHeld();
  if (held.has(stream)) return;
  if (held.size === 0) {
    windowOpenedAt = now;
    timer = setTimeout(flushHeld, HOLD_MS);
  }
  held.add(stream);
  stream.cork();
}

/**
 * `ws.send(text, done)` where `done` comes as soon as the sender may go on: at once below the
 * bound, once this frame has been written above it. Errors close the socket, which ends the sender.
 */
export function sendBehind(ws: WebSocket, send: (text: string, cb: (err?: Error) => void) => void, text: string, done: () => void): void {
  // ws keeps its TCP socket private; `_socket` is where every version has it.
  const socket = (ws as unknown as { _socket?: Corkable })._socket;
  if (socket) holdWrites(socket);
  if (ws.bufferedAmount < MAX_UNSENT_BYTES) {
    send(text, ignore);
    done();
  } else send(text, () => done());
}
