import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureApp, fixtureStore } from '../api/fixture.js';

describe('event page signal selection', () => {
  let t: ReturnType<typeof fixtureStore>;
  let app: ReturnType<typeof fixtureApp>;
  beforeAll(() => {
    t = fixtureStore();
    app = fixtureApp(t);
  });
  afterAll(() => t.cleanup());

  it('keeps the chosen signals in the URL: ?signals= narrows the charts and the data link, and the picker shows the choice', async () => {
    const all = await request(app).get('/events/kz-2016-05-21-land-protests').expect(200);
    expect(all.text).toContain('id="panel-ioda-bgp"');
    expect(all.text).toContain('id="panel-ioda-ping-slash24"');
    expect(all.text).toMatch(/name="signals" value="ioda\.bgp" checked/);
    const one = await request(app).get('/events/kz-2016-05-21-land-protests?signals=ioda.bgp').expect(200);
    expect(one.text).toContain('id="panel-ioda-bgp"');
    expect(one.text).not.toContain('id="panel-ioda-ping-slash24"');
    expect(one.text).toMatch(/name="signals" value="ioda\.ping-slash24">/);
    expect(one.text).toContain('signals=ioda.bgp');
  });
});
