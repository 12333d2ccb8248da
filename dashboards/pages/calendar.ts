/**
 * `/calendar`: the protest calendar, filterable and sortable, with add and import forms for an admin;
 * `/login` and `/logout` for the admin session (see session.ts).
 */
import { apiOptions } from '../api/options.js';
import { clientLimiter } from '../limits.js';
import express, { Router, type Request } from 'express';
import { DateTime } from 'luxon';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventSortKey } from '../../db/calendar.js';
import { planFromStored } from '../../services/calendar/apply.js';
import { countryName } from '../../services/calendar/countries.js';
import { emitCalendarChange } from '../../services/calendar/events.js';
import { IMPORT_FORMATS, importCalendarFile, type ImportFormat } from '../../services/calendar/import.js';
import { rawFromJson } from '../../services/calendar/json.js';
import { EVENT_KINDS, type EventKind, type ProtestEvent } from '../../core/calendar.js';
import { localDate } from '../../services/calendar/time.js';
import { validateEvent } from '../../services/calendar/validate.js';
import { AppError, badParameter } from '../../core/app-errors.js';
import type { AppDeps } from '../deps.js';
import { html, layout, type SafeHtml } from '../html.js';
import {
  dataLinks,
  field,
  keep,
  pagedTableAsync,
  q,
  select,
  time,
  timeMode,
  timeQuery,
  tzToggle,
  type Column,
  type TimeMode,
} from './common.js';
import type { Sessions } from './session.js';
import { repositories, writable } from '../backend.js';

/** What a PostgreSQL database cannot serve here yet (answered with 503, never a 500 or an empty page). */
const WHAT = 'The calendar page';

const form = express.urlencoded({ extended: false, limit: '2mb', parameterLimit: 50 });

/**
 * The event's own date first — the day people in that place lived it (21 May 2016 in Almaty), and for a timed
 * event its local clock time — then, smaller, the instant it starts in the page's mode (UTC: 2016-05-20 18:00 UTC).
 */
function eventDate(e: ProtestEvent, mode: TimeMode): SafeHtml {
  const first = localDate(e.start, e.tz);
  const last = localDate(Math.max(e.start, e.end - 1), e.tz);
  const days = first === last ? first : `${first} – ${last}`;
  const clock = e.allDay ? '' : ` ${DateTime.fromSeconds(e.start, { zone: e.tz }).toFormat('HH:mm')}`;
  return html`<span class="local-date">${days}${clock}</span> <span class="muted small starts">${e.allDay ? 'all day; ' : ''}starts ${time(e.start, mode, e.tz)}</span>`;
}

function str(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
}

function safeNext(v: string): string {
  return /^\/(?!\/)[A-Za-z0-9/_.?=&%:-]*$/.test(v) ? v : '/calendar';
}

function adminForms(req: Request, sessions: Sessions): SafeHtml {
  return html`<section id="admin" aria-labelledby="admin-h">
<h2 id="admin-h">Add or import events</h2>
<form method="post" action="/logout" class="inline">${sessions.csrfField(req)}<button type="submit">Log out</button></form>
<form method="post" action="/calendar/events" class="stacked" id="add-event">
<h3>Add one event</h3>
${sessions.csrfField(req)}
<p><label for="a-title">Title</label> <input id="a-title" name="title" required maxlength="300"></p>
<p><label for="a-country">Country (ISO code)</label> <input id="a-country" name="country" required size="4" placeholder="KZ"></p>
<p><label for="a-start">Start (local date or time)</label> <input id="a-start" name="start" required placeholder="2016-05-21"></p>
<p><label for="a-end">End (optional)</label> <input id="a-end" name="end" placeholder="2016-05-21"></p>
<p><label for="a-tz">Time zone (IANA, optional)</label> <input id="a-tz" name="tz" placeholder="Asia/Almaty"></p>
<p><label for="a-kind">Kind</label> <select id="a-kind" name="kind">${EVENT_KINDS.map((k) => html`<option value="${k}">${k}</option>`)}</select></p>
<p><label for="a-places">Places (separated by ;)</label> <input id="a-places" name="places"></p>
<p><label for="a-sources">Source URLs (one per line)</label> <textarea id="a-sources" name="sources" rows="2" required></textarea></p>
<p><label for="a-notes">Notes</label> <textarea id="a-notes" name="notes" rows="2"></textarea></p>
<p><label for="a-tags">Tags (comma-separated)</label> <input id="a-tags" name="tags"></p>
<p><button type="submit">Add event</button></p>
</form>
<form method="post" action="/calendar/import" class="stacked" id="import-events">
<h3>Import a file</h3>
${sessions.csrfField(req)}
<p><label for="i-format">Format</label> <select id="i-format" name="format">${IMPORT_FORMATS.map((f) => html`<option value="${f}">${f}</option>`)}</select></p>
<p><label for="i-country">Country for files without one (iCalendar)</label> <input id="i-country" name="country" size="4"></p>
<p><label for="i-tz">Default time zone</label> <input id="i-tz" name="tz" placeholder="Asia/Almaty"></p>
<p><label for="i-content">File content</label> <textarea id="i-content" name="content" rows="8" required></textarea></p>
<p><button type="submit">Import</button></p>
</form>
</section>`;
}

function loginPage(req: Request, sessions: Sessions, message?: string): string {
  const next = safeNext(q(req, 'next') || '/calendar');
  return layout(
    'Log in',
    html`<h1>Log in</h1>
${message ? html`<p class="error" role="alert">${message}</p>` : ''}
${
  sessions.enabled
    ? html`<form method="post" action="/login" class="stacked" id="login">
<input type="hidden" name="next" value="${next}">
<p><label for="l-token">Admin token</label> <input id="l-token" name="token" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Log in</button></p>
</form>
<p class="muted">The token is the server's <code>adminToken</code> (OUTAGEWATCH_ADMIN_TOKEN). Logging in sets a session cookie (HttpOnly, SameSite=Strict) for 8 hours.</p>`
    : html`<p>Writes are disabled on this server: set <code>OUTAGEWATCH_ADMIN_TOKEN</code> to enable the admin forms.</p>`
}`,
  );
}

export function calendarRouter(deps: AppDeps, sessions: Sessions): Router {
  const router = Router();
  const now = () => (deps.now ? deps.now() : Math.floor(Date.now() / 1000));

  router.get('/calendar', async (req, res) => {
    // on either backend: the calendar through its repository
    const repo = repositories(deps, WHAT).calendar;
    const mode = timeMode(req);
    const country = q(req, 'country').toUpperCase();
    if (country && !/^[A-Z]{2}$/.test(country)) throw badParameter('country', 'a two-letter country code');
    const kind = q(req, 'kind');
    if (kind && !(EVENT_KINDS as readonly string[]).includes(kind)) throw badParameter('kind', `one of ${EVENT_KINDS.join(', ')}`);
    const text = q(req, 'q').toLowerCase();
    const from = timeQuery(req, 'from', 'start');
    const until = timeQuery(req, 'until', 'end');
    // counted and paged in SQL (issue 21), the text search too
    const filter = {
      country: country || undefined,
      kind: (kind || undefined) as EventKind | undefined,
      from,
      until,
      text: text || undefined,
    };
    const total = await repo.countEventsWhere(filter);
    const cols: Array<Column<ProtestEvent>> = [
      { key: 'start', label: 'Date (local)', sort: (e) => e.start, cell: (e) => eventDate(e, mode) },
      {
        key: 'title',
        label: 'Event',
        sort: (e) => e.title.toLowerCase(),
        cell: (e) => html`<a href="/events/${e.id}" class="event-link">${e.title}</a>`,
      },
      {
        key: 'country',
        label: 'Country',
        sort: (e) => e.country,
        cell: (e) => html`<a href="/countries/${e.country}" title="${countryName(e.country)}">${e.country}</a>`,
      },
      { key: 'kind', label: 'Kind', sort: (e) => e.kind, cell: (e) => e.kind },
      { key: 'places', label: 'Places', cell: (e) => e.places.map((p) => p.name).join('; ') || '—' },
      { key: 'tz', label: 'Zone', sort: (e) => e.tz, cell: (e) => e.tz },
      { key: 'origin', label: 'Origin', sort: (e) => e.origin, cell: (e) => e.origin },
    ];
    const api = { country: country || undefined, kind: kind || undefined, from, until };
    const admin = sessions.isAdmin(req);
    const flash = q(req, 'imported') ? html`<p class="ok" role="status">Import done: ${q(req, 'imported')}.</p>` : '';
    const body = html`<h1>Calendar</h1>
<p class="muted">Protest days, elections and unrest, each with its sources. Each date is the event’s own local date (in its zone); the instant it starts follows in the chosen time.</p>
${flash}
${tzToggle(req, mode, 'event’s local time')}
<form class="filters" method="get" action="/calendar" role="search" aria-label="Filter events">
${field('q', 'Text', q(req, 'q'), { type: 'search' })}
${field('country', 'Country', country, { placeholder: 'KZ' })}
${select('kind', 'Kind', kind, ['', ...EVENT_KINDS])}
${field('from', 'From', q(req, 'from'), { type: 'date' })}
${field('until', 'Until', q(req, 'until'), { type: 'date' })}
${keep(req, ['tz', 'sort', 'dir'])}
<button type="submit">Filter</button> <a href="/calendar">Clear</a>
</form>
<p class="count">${total} event(s)</p>
${await pagedTableAsync(req, total, (s, p) => repo.pageEvents(filter, { sort: s.key as EventSortKey, dir: s.dir, limit: p.size, offset: p.offset }), cols, { key: 'start', dir: 'asc' }, { id: 'events', empty: 'No events match.', page: { size: 100 } })}
${dataLinks('/api/events', api, 'This table')}
${admin ? adminForms(req, sessions) : sessions.enabled ? html`<p><a href="/login?next=%2Fcalendar">Log in</a> with the admin token to add or import events.</p>` : html`<p class="muted">Editing is disabled on this server (no admin token configured).</p>`}`;
    res.type('html').send(layout('Calendar', body, { scripts: ['/static/page.js'] }));
  });

  router.get('/login', (req, res) => {
    res.type('html').send(loginPage(req, sessions));
  });

  // failed logins per client are limited (a token cannot be guessed at network speed); successful ones do not count
  const loginLimit = clientLimiter({ ...apiOptions(deps.config).loginRateLimit, what: 'failed logins', skipSuccessfulRequests: true });
  router.post('/login', ...(loginLimit ? [loginLimit] : []), form, (req, res) => {
    if (!sessions.enabled)
      throw new AppError('WRITES_DISABLED', 'writes are disabled: set OUTAGEWATCH_ADMIN_TOKEN (adminToken in the config) to allow them');
    if (!sessions.checkToken(str(req.body, 'token'))) {
      res
        .status(401)
        .type('html')
        .send(loginPage(req, sessions, 'That token is not valid.'));
      return;
    }
    sessions.login(req, res);
    res.redirect(303, safeNext(str(req.body, 'next') || '/calendar'));
  });

  router.post('/logout', form, sessions.requireAdmin, (req, res) => {
    sessions.logout(req, res);
    res.redirect(303, '/calendar');
  });

  router.post('/calendar/events', form, sessions.requireAdmin, async (req, res) => {
    const { calendar } = writable(deps);
    const b = req.body as Record<string, unknown>;
    const raw = rawFromJson({
      title: str(b, 'title'),
      country: str(b, 'country'),
      start: str(b, 'start'),
      end: str(b, 'end') || undefined,
      tz: str(b, 'tz') || undefined,
      kind: str(b, 'kind') || undefined,
      places: str(b, 'places'),
      sources: str(b, 'sources'),
      notes: str(b, 'notes') || undefined,
      tags: str(b, 'tags'),
    });
    const v = validateEvent({ line: 1, raw }, { file: 'web form', origin: 'manual' });
    if (!v.ok) {
      res
        .status(400)
        .type('html')
        .send(
          layout(
            'Event not added',
            html`<h1>Event not added</h1><ul class="errors" role="alert">${v.errors.map((e) => html`<li><strong>${e.field}</strong>: ${e.reason}</li>`)}</ul><p><a href="/calendar#admin">Back to the form</a></p>`,
          ),
        );
      return;
    }
    const event = v.event;
    // planned and written in one transaction that other writers of this database wait for (either backend)
    await calendar.writeEvent(event, now(), (found) => {
      const plan = planFromStored(found, event);
      if (plan.action !== 'insert') {
        const other = plan.existing ?? plan.event;
        throw new AppError('CONFLICT', `an event with the same country, start and title exists: ${other.id}`, { id: other.id });
      }
      return { write: plan.event, result: null };
    });
    emitCalendarChange({ cause: 'api', added: [event.id], updated: [], removed: [] });
    res.redirect(303, `/events/${encodeURIComponent(event.id)}`);
  });

  router.post('/calendar/import', form, sessions.requireAdmin, async (req, res) => {
    const { calendar } = writable(deps);
    const b = req.body as Record<string, unknown>;
    const format = str(b, 'format') as ImportFormat;
    if (!(IMPORT_FORMATS as readonly string[]).includes(format)) throw badParameter('format', `one of ${IMPORT_FORMATS.join(', ')}`);
    const content = str(b, 'content');
    if (!content.trim()) throw new AppError('BAD_BODY', 'content: the file content is empty');
    const dir = mkdtempSync(join(tmpdir(), 'ow-import-'));
    try {
      const path = join(dir, `import.${format === 'acled' ? 'csv' : format}`);
      writeFileSync(path, content, 'utf8');
      const country = str(b, 'country').trim().toUpperCase() || undefined;
      const tz = str(b, 'tz').trim() || undefined;
      const report = await importCalendarFile(calendar, path, {
        format,
        displayName: 'web-import',
        country,
        tz,
        now: now(),
        log: deps.log,
      });
      const summary = `${report.inserted} added, ${report.updated} updated, ${report.unchanged} unchanged, ${report.rejected} rejected`;
      res
        .status(report.rejected > 0 ? 422 : 200)
        .type('html')
        .send(
          layout(
            'Import',
            html`<h1>Import: ${summary}</h1>
<p>${report.rows} row(s) read${report.skipped ? html`, ${report.skipped} skipped` : ''}.</p>
${report.errors.length ? html`<h2>Rejected rows</h2><ul class="errors" role="alert">${report.errors.map((e) => html`<li><code>${`${e.file}:${e.line}: ${e.field}: ${e.reason}`}</code></li>`)}</ul>` : ''}
${report.changes.length ? html`<h2>Events</h2><ul>${report.changes.map((c) => html`<li>${c.action}: <a href="/events/${c.event.id}">${c.event.title}</a></li>`)}</ul>` : ''}
<p><a href="/calendar">Back to the calendar</a></p>`,
          ),
        );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // an event that exists: also reachable as /calendar/:id
  router.get('/calendar/:id', async (req, res, next) => {
    const e = /^[a-z0-9-]{1,200}$/.test(req.params.id) ? await repositories(deps, WHAT).calendar.getEvent(req.params.id) : null;
    if (!e) {
      next();
      return;
    }
    res.redirect(301, `/events/${encodeURIComponent(e.id)}`);
  });

  return router;
}
