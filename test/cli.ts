import { main } from '../services/cli.js';
import { capture } from './helpers.js';

/** Runs one `outagewatch` command in process with logging silenced; what it printed and its exit code. */
export async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = capture();
  const code = await main(['--log-level', 'silent', ...args], c.io);
  return { code, out: c.out, err: c.err };
}
