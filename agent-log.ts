import { mkdirSync } from 'node:fs';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import type { AgentLogSink } from './resolvers/ports.js';

/**
 * osquery status and result logs as JSON lines in rotating files (osqueryd.status.log,
 * osqueryd.results.log), 100 MB per file, 10 files kept, rotated daily too.
 */
export function createAgentLogFiles(dir: string, onError: (err: unknown) => void): AgentLogSink & { close(): Promise<void> } {
  mkdirSync(dir, { recursive: true });
  // A full disk or a permission error is logged, never an uncaught 'error' event.
  const open = (name: string) => createStream(name, { path: dir, size: '100M', interval: '1d', maxFiles: 10 }).on('error', onError);
  const streams: Record<'status' | 'result', RotatingFileStream> = {
    status: open('osqueryd.status.log'),
    result: open('osqueryd.results.log'),
  };
  return {
    write(kind, records) {
      if (records.length === 0) return;
      streams[kind].write(records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    },
    close: () =>
      Promise.all(
        Object.values(streams).map((s) => new Promise<void>((resolve) => (s.writableEnded ? resolve() : s.end(() => resolve())))),
      ).then(() => undefined),
  };
}
