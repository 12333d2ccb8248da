import { afterEach, describe, expect, it } from 'vitest';
import { upsertEvents } from '../../../db/calendar.js';
import { derivedFrom, renderPageOnce } from '../../../services/correlator/cache.js';
import { SqlitePointStore } from '../../../db/repository.js';
import { tempStore } from '../../helpers.js';

// A page such as /countries/KZ after the daemon wrote new data: 50 browsers (or a monitoring check and its
// retries) ask for it while the one render is still waiting for the correlation worker.
describe('rendered pages by data version', () => {
  let t: ReturnType<typeof tempStore> | null = null;
  afterEach(() => t?.cleanup());

  it('renders a page once however many requests wait for it, and again after the data changes', async () => {
    t = tempStore();
    const store = t.store;
    const points = new SqlitePointStore(store);
    let renders = 0;
    const render = async () => {
      renders++;
      await new Promise((r) => setTimeout(r, 20));
      return `<p>render ${renders}</p>`;
    };
    const pages = await Promise.all(Array.from({ length: 50 }, () => renderPageOnce(points, 'country:/countries/KZ', render)));
    expect(renders).toBe(1);
    expect(new Set(pages.map((p) => p.body.toString()))).toEqual(new Set(['<p>render 1</p>']));
    expect(new Set(pages.map((p) => p.etag)).size).toBe(1);
    // warm: served as rendered
    expect((await renderPageOnce(points, 'country:/countries/KZ', render)).body.toString()).toBe('<p>render 1</p>');
    expect(renders).toBe(1);
    // a calendar change moves the data version: the next request renders again
    upsertEvents(
      store.db,
      [
        {
          id: 'kz-x',
          title: 'x',
          country: 'KZ',
          places: [],
          start: 1463767200,
          end: 1463853600,
          tz: 'Asia/Almaty',
          allDay: true,
          kind: 'protest',
          sources: ['https://example.org/x'],
          notes: null,
          tags: [],
          origin: 'import',
          originFile: null,
          originLine: null,
        },
      ],
      1463767200,
    );
    expect((await renderPageOnce(points, 'country:/countries/KZ', render)).body.toString()).toBe('<p>render 2</p>');
  });

  it('a failed render reaches every waiting request and is not kept', async () => {
    t = tempStore();
    const store = t.store;
    const points = new SqlitePointStore(store);
    let calls = 0;
    const failing = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 5));
      throw new Error('bad range');
    };
    const results = await Promise.allSettled([1, 2, 3].map(() => renderPageOnce(points, 'k', failing)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(calls).toBe(1);
    await expect(renderPageOnce(points, 'k', async () => 'ok')).resolves.toMatchObject({ body: Buffer.from('ok') });
  });

  it('keeps what is made from a result as long as the result', () => {
    const result = { events: [1, 2, 3] };
    let made = 0;
    const make = () => ++made;
    expect(derivedFrom(result, 'a', make)).toBe(1);
    expect(derivedFrom(result, 'a', make)).toBe(1);
    expect(derivedFrom(result, 'b', make)).toBe(2);
    expect(derivedFrom({ ...result }, 'a', make)).toBe(3); // a new result (after a data change) makes it anew
  });
});
