/**
 * Totals shared by every agent of a fleet. Plain numbers mutated in place: agents run on one
 * event loop, and a counter object per request would cost more than the request.
 */
export interface FleetCounters {
  requests: number;
  enrolls: number;
  reEnrolls: number;
  configFetches: number;
  checkIns: number;
  distributedWrites: number;
  queriesAnswered: number;
  liveQueryResults: number;
  liveQueryRows: number;
  logRequests: number;
  logLines: number;
  errors: number;
  lastError: string | null;
}

export function createCounters(): FleetCounters {
  return {
    requests: 0,
    enrolls: 0,
    reEnrolls: 0,
    configFetches: 0,
    checkIns: 0,
    distributedWrites: 0,
    queriesAnswered: 0,
    liveQueryResults: 0,
    liveQueryRows: 0,
    logRequests: 0,
    logLines: 0,
    errors: 0,
    lastError: null,
  };
}
