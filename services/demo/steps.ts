import type { DemoStep } from './context.js';
import { seedCalendarRepository } from '../calendar/seed.js';
import { detectDemoStep } from '../detector/hooks.js';
import { iodaSyntheticDemoStep } from './ioda-synthetic.js';
import { ooniSyntheticDemoStep } from './ooni-synthetic.js';
import { iranMonashDemoStep } from './iran.js';

/** `outagewatch demo` runs these in order; each goes through the real ingest paths. */
export const DEMO_STEPS: DemoStep[] = [
  {
    name: 'calendar seed',
    run: async ({ repos, log }) => {
      const r = await seedCalendarRepository(repos.calendar, log);
      return `calendar: ${r.total} seed events (${r.inserted} new, ${r.updated} updated, ${r.unchanged} unchanged${r.keptUser.length ? `, ${r.keptUser.length} left to the user` : ''})`;
    },
  },
  iodaSyntheticDemoStep,
  ooniSyntheticDemoStep,
  iranMonashDemoStep,
  // keep detection LAST: it runs over everything the steps above loaded
  detectDemoStep,
];
