import type { Command } from 'commander';
import type { CliContext } from '../cli/context.js';
import { DEMO_STEPS } from '../demo/steps.js';
import { packageRoot } from '../../core/package-root.js';

/** `outagewatch demo`: fills the configured database for an offline tour, running DEMO_STEPS in order. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('fill the database with demo data (seeded calendar, real and SYNTHETIC series) for an offline tour')
    .option('--json', 'print what each step did as one JSON array')
    .action(async (flags: { json?: boolean }) => {
      const repos = await ctx.repositories();
      const log = ctx.log();
      const done: Array<{ step: string; ok: boolean; message: string }> = [];
      for (const step of DEMO_STEPS) {
        try {
          const message = await step.run({ repos, config: ctx.config(), log, root: packageRoot() });
          done.push({ step: step.name, ok: true, message });
          if (!flags.json) ctx.out(`✓ ${step.name}: ${message}`);
        } catch (err) {
          const message = (err as Error).message ?? String(err);
          done.push({ step: step.name, ok: false, message });
          if (!flags.json) ctx.out(`✗ ${step.name}: ${message}`);
          process.exitCode = 1;
        }
      }
      if (flags.json) ctx.json(done);
      else
        ctx.out(
          done.every((d) => d.ok)
            ? `demo data ready in ${repos.points.location}; start the dashboard with: outagewatch ${repos.backend === 'postgres' ? 'serve' : 'start'}`
            : 'some demo steps failed (see above)',
        );
    });
}
