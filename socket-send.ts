/**
 * Write-behind for results sockets. A sender that waited for every frame to reach the kernel
 * could send one frame per subscriber per turn of the event loop, each in its own system call.
 * Here a frame is handed over at once while the socket holds little unsent data: frames sent in
 * one burst of work leave together in one `writev` (the socket is corked until the burst ends), and
 * only a reader that lets its buffer grow past the bound makes its sender wait, so memory per
 * slow reader stays bounded and the slowness stays with that reader.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/** Bytes a socket may hold unsent before its sender waits for the network. */
export const MAX_UNSENT_BYTES = 256 * 1024;

const ignore = () => undefined;

const corked = new WeakSet<Duplex>();

/**
 * Holds a socket's writes until the current burst of work (this tick's callbacks and promise
 * jobs) is over, so the frames a sender produces in one go leave in one system call instead of
 * one each. ws keeps its TCP socket private; `_socket` is where every version has it.
 */
function corkForThisTick(ws: WebSocket): void {
  const socket = (ws as unknown as { _socket?: Duplex })._socket;
  if (!socket || corked.has(socket)) return;
  corked.add(socket);
  socket.cork();
  process.nextTick(() => {
    corked.delete(socket);
    socket.uncork();
  });
}

/**
 * `ws.send(text, done)` where `done` comes as soon as the sender may go on: at once below the
 * bound, once this frame has been written above it. Errors close the socket, which ends the sender.
 */
export function sendBehind(ws: WebSocket, send: (text: string, cb: (err?: Error) => void) => void, text: string, done: () => void): void {
  corkForThisTick(ws);
  if (ws.bufferedAmount < MAX_UNSENT_BYTES) {
    send(text, ignore);
    done();
  } else send(text, () => done());
}
