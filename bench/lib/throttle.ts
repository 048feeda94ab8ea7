/**
 * A TCP proxy that passes the server's bytes on to its client at a fixed average rate: after each
 * chunk it stops reading from the server for as long as the chunk takes at that rate, so the
 * server's socket fills up exactly as it would for a slow reader at the far end of a network.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export type Throttle = { url: string; bytes(): number; close(): void };

export async function throttlingProxy(target: string, bytesPerSecond: number): Promise<Throttle> {
  const { hostname, port } = new URL(target);
  let bytes = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      client.write(chunk);
      upstream.pause();
      setTimeout(() => upstream.resume(), (chunk.length / bytesPerSecond) * 1000).unref();
    });
    upstream.on('end', () => client.end());
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bytes: () => bytes,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
