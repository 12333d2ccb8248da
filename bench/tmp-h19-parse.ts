import { createReadStream } from 'node:fs';
import { parseAcled } from '../services/calendar/importers/acled.js';
import { validateEvent } from '../services/calendar/validate.js';
const mode = process.argv[3];
let n = 0;
await parseAcled(createReadStream(process.argv[2]!), { file: 'x' }, (c) => {
  n++;
  if (mode === 'validate') { const v = validateEvent(c, { file: 'x', origin: 'import' }); if (v.ok) JSON.stringify(v.event); }
});
const m = process.memoryUsage();
process.stdout.write(`${mode} ${n}: rss=${Math.round(m.rss/1e6)} heapTotal=${Math.round(m.heapTotal/1e6)} maxRSS=${Math.round(process.resourceUsage().maxRSS/1e3)}\n`);
