import { join } from 'node:path';
import { validateEvent, type RawEvent } from '../../../services/calendar/validate.js';
import type { ProtestEvent } from '../../../core/calendar.js';

export const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'calendar');
export const fixture = (name: string) => join(FIXTURES, name);

/** Validates a hand-written row and returns the event (throws with the messages if invalid). */
export function ev(raw: RawEvent, origin: ProtestEvent['origin'] = 'manual'): ProtestEvent {
  const v = validateEvent({ line: 2, raw }, { file: origin === 'manual' ? null : 'test.csv', origin });
  if (!v.ok) throw new Error(v.errors.map((e) => `${e.field}: ${e.reason}`).join('; '));
  return v.event;
}

export const iso = (ts: number) => new Date(ts * 1000).toISOString().replace('.000Z', 'Z');

/** Captured stdout/stderr for `main([...], io)`. */
export function capture() {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream,
    },
    out: () => out,
    err: () => err,
  };
}
