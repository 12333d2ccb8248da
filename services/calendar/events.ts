/**
 * "The calendar changed" notifications, for modules in the same process (e.g. the collection policy
 * scheduling the backfill of a new event's window). Listeners run synchronously after the change was
 * committed; a throwing listener is isolated from the others and from the writer.
 * Other processes see changes through `protest_events.updated_at` / `created_at`.
 */
export interface CalendarChange {
  /** What caused it: `seed`, `import`, `add`, `remove`, `api`. */
  cause: string;
  added: string[];
  updated: string[];
  removed: string[];
}

export type CalendarListener = (change: CalendarChange) => void;

const listeners = new Set<CalendarListener>();

/** Subscribes; returns the unsubscribe function. */
export function onCalendarChange(listener: CalendarListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function emitCalendarChange(change: CalendarChange): void {
  if (change.added.length + change.updated.length + change.removed.length === 0) return;
  for (const l of [...listeners]) {
    try {
      l(change);
    } catch {
      // a listener's failure must not undo or fail the committed change
    }
  }
}
