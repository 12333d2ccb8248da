/** The two-axis verdict of DESIGN.md. */
export type ConnectivityVerdict = 'outage' | 'normal' | 'no-data';
export type ServicesVerdict = 'blocking' | 'normal' | 'no-data';
export type VerdictLabel = 'connectivity-outage' | 'service-blocking' | 'both' | 'nothing-unusual' | 'insufficient-data';

export interface Verdict {
  connectivity: ConnectivityVerdict;
  services: ServicesVerdict;
  label: VerdictLabel;
}

export function verdictLabel(connectivity: ConnectivityVerdict, services: ServicesVerdict): VerdictLabel {
  if (connectivity === 'outage' && services === 'blocking') return 'both';
  if (connectivity === 'outage') return 'connectivity-outage';
  if (services === 'blocking') return 'service-blocking';
  if (connectivity === 'no-data' && services === 'no-data') return 'insufficient-data';
  return 'nothing-unusual';
}
