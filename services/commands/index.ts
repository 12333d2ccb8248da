import type { Command } from 'commander';
import type { CliContext } from '../cli/context.js';
import * as calendar from './calendar.js';
import * as collect from './collect.js';
import * as correlate from './correlate.js';
import * as db from './db.js';
import * as demo from './demo.js';
import * as detect from './detect.js';
import * as evaluate from './evaluate.js';
import * as ingest from './ingest.js';
import * as outages from './outages.js';
import * as reference from './reference.js';
import * as report from './report.js';
import * as serve from './serve.js';
import * as start from './start.js';
import * as status from './status.js';

/** Every subcommand, in the order `--help` lists them. Each module registers one command. */
export const COMMANDS: Array<{ register(program: Command, ctx: CliContext): void }> = [
  start,
  serve,
  status,
  db,
  collect,
  ingest,
  demo,
  calendar,
  reference,
  detect,
  outages,
  correlate,
  evaluate,
  report,
];
