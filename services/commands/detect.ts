import type { Command } from 'commander';
import type { CliContext } from '../cli/context.js';

// Slot: `outagewatch detect` is built by its own issue; until then it says so and exits 1.
export function register(program: Command, _ctx: CliContext): void {
  program
    .command('detect')
    .description('(not available yet)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      process.stderr.write('outagewatch detect is not available in this version yet\n');
      process.exitCode = 1;
    });
}
