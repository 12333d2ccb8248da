import { SqliteStore } from '../db/store.js';
import { importCalendarFile } from '../services/calendar/import.js';
const store = SqliteStore.open(`/tmp/h19-mem-${Date.now()}.db`);
let peak = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
const t = setInterval(() => { const m = process.memoryUsage(); if (m.rss > peak.rss) peak = { ...m }; }, 50);
const r = await importCalendarFile(store.db, process.argv[2]!, { format: (process.argv[3] ?? 'acled') as 'acled' });
clearInterval(t);
const mb = (x: number) => Math.round(x / 1e6);
process.stdout.write(`${r.rows} rows ${r.events} events; peak sample rss=${mb(peak.rss)} heapUsed=${mb(peak.heapUsed)} heapTotal=${mb(peak.heapTotal)} external=${mb(peak.external)} ab=${mb(peak.arrayBuffers)} maxRSS=${mb(process.resourceUsage().maxRSS * 1024)}\n`);
