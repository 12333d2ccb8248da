/** Links a researcher can follow to check an outage at its source (no request is made here). */
const day = (ts: number) => new Date(ts * 1000).toISOString().slice(0, 10);

export function evidenceFor(entity: string, start: number, end: number, signals: string[], targets: string[]): Array<{ label: string; url: string }> {
  const [type, code] = entity.split(/:(.*)/s, 2) as [string, string];
  const out: Array<{ label: string; url: string }> = [];
  const pad = 6 * 3600;
  if (signals.some((s) => s.startsWith('ioda.')) && ['country', 'region', 'asn', 'county'].includes(type)) {
    out.push({ label: `IODA dashboard, ${entity}`, url: `https://ioda.inetintel.cc.gatech.edu/${type}/${encodeURIComponent(code)}?from=${start - pad}&until=${end + pad}` });
  }
  if (signals.some((s) => s.startsWith('ooni.')) && (type === 'country' || type === 'asn')) {
    const where = type === 'country' ? `probe_cc=${code}` : `probe_asn=AS${code}`;
    const since = day(start - 86400);
    const until = day(end + 86400);
    for (const t of targets.slice(0, 10)) {
      const what = t.includes('.') ? `test_name=web_connectivity&domain=${encodeURIComponent(t)}` : `test_name=${encodeURIComponent(t)}`;
      out.push({ label: `OONI Explorer, ${t}`, url: `https://explorer.ooni.org/chart/mat?${where}&${what}&since=${since}&until=${until}&axis_x=measurement_start_day&time_grain=day` });
    }
  }
  if (signals.some((s) => s.startsWith('ripestat.')) && (type === 'country' || type === 'asn')) {
    out.push({ label: `RIPEstat, ${entity}`, url: `https://stat.ripe.net/${type === 'asn' ? `AS${code}` : code}` });
  }
  if (signals.some((s) => s.startsWith('ioda.gtr')) && type === 'country') {
    out.push({ label: `Google Transparency Report, traffic ${code}`, url: `https://transparencyreport.google.com/traffic/overview?fraction_traffic=start:${start * 1000};end:${end * 1000};region:${code}` });
  }
  return out;
}
