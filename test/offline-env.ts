/**
 * Environment for daemons that tests start in child processes (nock does not cross processes): every source
 * points at a closed loopback port, so a scheduled collection can never reach a real host.
 */
export const OFFLINE_SOURCES_ENV: Record<string, string> = {
  OUTAGEWATCH_IODA_URL: 'http://127.0.0.1:9/ioda',
  OUTAGEWATCH_OONI_URL: 'http://127.0.0.1:9/ooni',
  OUTAGEWATCH_RIPESTAT_URL: 'http://127.0.0.1:9/ripestat',
  OUTAGEWATCH_RADAR_URL: 'http://127.0.0.1:9/radar',
};
