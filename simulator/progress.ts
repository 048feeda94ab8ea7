import type { FleetStats } from './fleet.js';

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function progressLine(s: FleetStats): string {
  return [
    `[${clock(s.elapsedMs)}]`,
    `enrolled ${s.enrolled}/${s.hosts}`,
    `online ${s.online}`,
    `check-ins/s ${s.checkInsPerSecond.toFixed(1)}`,
    `live results ${s.liveQueryResults}`,
    `errors ${s.errors}`,
  ].join('  ');
}

export function summaryLines(s: FleetStats, server: string): string[] {
  const seconds = s.elapsedMs / 1000;
  const average = seconds > 0 ? s.checkIns / seconds : 0;
  const lines = [
    `simulated ${s.hosts} hosts for ${seconds.toFixed(1)} s against ${server}`,
    `  enrolled ${s.enrolled}, online at stop ${s.online}, re-enrolls ${s.reEnrolls}`,
    `  check-ins ${s.checkIns} (${average.toFixed(1)}/s), distributed writes ${s.distributedWrites}`,
    `  live-query results ${s.liveQueryResults} (${s.liveQueryRows} rows), log lines ${s.logLines}`,
    `  requests ${s.requests}, errors ${s.errors}`,
  ];
  if (s.lastError) lines.push(`  last error: ${s.lastError}`);
  return lines;
}
