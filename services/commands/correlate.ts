import type { Command } from 'commander';
import type { CliContext } from '../cli/context.js';

// Slot: `outagewatch correlate` is built by its own issue; until then it says so and exits 1.
export function register(program: Command, _ctx: CliContext): void {
  program
    .command('correlate')
    .description('(not available yet)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      process.stderr.write('outagewatch correlate is not available in this version yet\n');
      process.exitCode = 1;
    });
}
