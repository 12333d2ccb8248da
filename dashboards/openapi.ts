/**
 * The OpenAPI 3.1 description of /api, served at /api/openapi.json. Tests validate it and check every
 * documented response of the running app against its schema, so keep it next to the code it describes.
 */
type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (type: string, extra: Schema = {}): Schema => ({ type: [type, 'null'], ...extra });
const isoTime: Schema = { type: 'string', format: 'date-time', description: 'ISO 8601 UTC, e.g. 2016-05-21T00:00:00Z' };
const isoTimeOrNull: Schema = { type: ['string', 'null'], format: 'date-time' };
const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties), extra: Schema = {}): Schema => ({ type: 'object', properties, required, ...extra });

const TIME_HELP = 'ISO 8601 instant (`2016-05-21T00:00:00Z`; without an offset read as UTC), a date (`2016-05-21`: 00:00 UTC as `from`, the end of that UTC day as `until`) or Unix seconds (`1463788800`).';

const param = (name: string, description: string, schema: Schema = { type: 'string' }, required = false): Schema => ({ name, in: 'query', required, description, schema });

export const PARAMS: Record<string, Schema> = {
  from: param('from', `Start of the range (inclusive). ${TIME_HELP}`),
  until: param('until', `End of the range (exclusive). ${TIME_HELP}`),
  entity: param('entity', 'Entity as `type:code`: `country:KZ`, `asn:9198`, `region:<IODA id>`.', { type: 'string', example: 'country:KZ' }),
  country: param('country', 'ISO 3166-1 alpha-2 country code.', { type: 'string', pattern: '^[A-Za-z]{2}$', example: 'KZ' }),
  format: param('format', 'Response format; `Accept: text/csv` selects CSV too. Text cells starting with = + - @ are prefixed with `\'` in CSV.', { type: 'string', enum: ['json', 'csv'] }),
};

const errorResponse = (description: string): Schema => ({ description, content: { 'application/json': { schema: ref('Error') } } });

const ERRORS: Record<string, Schema> = {
  '400': errorResponse('A bad parameter or body; `error.parameter` names the parameter.'),
  '429': errorResponse('Rate limit exceeded (per client; see the RateLimit headers).'),
};

const PAGING_HEADERS: Schema = {
  'X-Total-Count': { description: 'Rows the listing holds in all (every page).', schema: { type: 'integer', minimum: 0 } },
  Link: { description: 'When more rows follow: `<URL of the next page>; rel="next"`.', schema: { type: 'string' } },
};

/** A listing: JSON array (one page: `limit`, `offset`) or CSV (every row unless `limit` is given). */
const listing = (item: string, description: string): Schema => ({
  '200': {
    description,
    headers: PAGING_HEADERS,
    content: {
      'application/json': { schema: { type: 'array', items: ref(item) } },
      'text/csv': { schema: { type: 'string' } },
    },
  },
  ...ERRORS,
});

const json = (schema: Schema, description: string): Schema => ({ description, content: { 'application/json': { schema } } });

const security = [{ bearer: [] }];
const writeErrors: Record<string, Schema> = {
  '401': errorResponse('Missing or wrong `Authorization: Bearer <admin token>`.'),
  '403': errorResponse('Writes are disabled: no admin token is configured (`OUTAGEWATCH_ADMIN_TOKEN`).'),
};

const schemas: Record<string, Schema> = {
  Error: obj(
    {
      error: obj(
        {
          code: { type: 'string', example: 'BAD_PARAMETER' },
          status: { type: 'integer' },
          message: { type: 'string' },
          parameter: { type: 'string', description: 'The offending parameter (400 BAD_PARAMETER).' },
        },
        ['code', 'status', 'message'],
      ),
    },
    ['error'],
  ),
  CollectorHealth: obj({
    name: { type: 'string' },
    description: { type: 'string' },
    enabled: { type: 'boolean' },
    disabledReason: nullable('string'),
    state: { type: 'string', enum: ['ok', 'failing', 'partial', 'never-run', 'running', 'disabled'] },
    lastRun: {
      oneOf: [
        { type: 'null' },
        obj({ startedAt: isoTime, finishedAt: isoTimeOrNull, status: { type: 'string' }, rows: { type: 'integer' }, error: nullable('string') }),
      ],
    },
    lastSuccessAt: isoTimeOrNull,
    lastError: { oneOf: [{ type: 'null' }, obj({ at: isoTime, message: { type: 'string' } })] },
    failingSince: { ...isoTimeOrNull, description: 'Start of the unbroken run of failed runs up to the latest finished one; null when that one did not fail.' },
    noData: {
      type: 'array',
      description: 'Ranges where the source answered "no data for this era" (e.g. IODA `data: [[]]`), newest first, at most 20.',
      items: obj({ entity: { type: 'string' }, signal: { type: 'string' }, from: isoTime, until: isoTime }),
    },
  }),
  Health: obj({
    status: { type: 'string', enum: ['ok'] },
    version: { type: 'string' },
    time: isoTime,
    database: obj({ backend: { type: 'string', enum: ['sqlite', 'postgres'] }, engine: { type: 'string', description: 'The database engine and its version, e.g. SQLite 3.50.4 or PostgreSQL 15.18.' }, path: { type: 'string' }, sizeBytes: { type: 'integer' }, schemaVersion: { type: 'integer' } }),
    collectors: { type: 'array', items: ref('CollectorHealth') },
    backfill: { type: 'array', items: ref('BackfillProgress'), description: 'Backfill progress per enabled collector and watched entity.' },
  }),
  BackfillProgress: obj({
    collector: { type: 'string' },
    entity: { type: 'string', example: 'country:KZ' },
    from: { ...isoTime, description: 'Start of the history kept (a year before the earliest calendar event).' },
    until: { ...isoTime, description: 'Live data is complete up to here.' },
    plannedSeconds: { type: 'integer' },
    coveredSeconds: { type: 'integer' },
    percent: { type: 'number', minimum: 0, maximum: 100 },
    oldestCovered: isoTimeOrNull,
    newestCovered: isoTimeOrNull,
    pendingWindows: { type: 'integer', description: 'Event and backfill windows still to fetch.' },
    nextWindow: {
      oneOf: [{ type: 'null' }, obj({ from: isoTime, until: isoTime, reason: { type: 'string', enum: ['live', 'event', 'backfill'] }, eventId: nullable('string') })],
    },
    cadenceSeconds: { type: 'integer', description: 'Seconds between live collections now (300 inside a watch window).' },
    watchEvent: nullable('string', { description: 'The calendar event whose watch window is open.' }),
  }),
  Provenance: obj(
    {
      sourceName: { type: 'string', description: 'Who measured it ("IODA", "Monash IP Observatory", an `ingest csv --source-name`).', example: 'IODA' },
      licence: nullable('string'),
      citation: nullable('string', { description: 'How to cite the data, or a URL.' }),
      unit: nullable('string'),
      label: { type: 'string', description: 'Human label of the signal.', example: 'BGP: visible /24 blocks' },
      axis: { type: 'string', enum: ['connectivity', 'services'], description: 'The verdict axis the signal informs.' },
      target: nullable('string', { description: 'Services axis: what is measured (facebook.com, YOUTUBE).' }),
    },
    undefined,
    { description: 'Provenance of a signal: source, licence, citation, unit, label, axis.' },
  ),
  EntitySignal: obj({
    signal: { type: 'string', description: '`source.metric[:target]`', example: 'ioda.bgp' },
    source: { type: 'string' },
    metric: { type: 'string' },
    target: nullable('string'),
    unit: nullable('string'),
    step: nullable('integer', { description: 'Native step in seconds, when stored.' }),
    synthetic: { type: 'boolean', description: 'True for generated (demo) data, never real measurements.' },
    provenance: ref('Provenance'),
    first: isoTimeOrNull,
    last: isoTimeOrNull,
  }),
  Entity: obj({
    entity: { type: 'string', example: 'country:KZ' },
    type: { type: 'string', enum: ['country', 'region', 'asn', 'county'] },
    code: { type: 'string' },
    name: nullable('string'),
    country: nullable('string'),
    signals: { type: 'array', items: ref('EntitySignal') },
  }),
  Series: obj({
    signal: { type: 'string' },
    source: { type: 'string' },
    metric: { type: 'string' },
    target: nullable('string'),
    unit: nullable('string'),
    step: nullable('integer', { description: 'The signal\'s native step in seconds (stored, or inferred from its points).' }),
    synthetic: { type: 'boolean' },
    provenance: ref('Provenance'),
    resolution: { type: 'string', enum: ['raw', 'hourly', '6h', 'daily'], description: 'Which table the points were read from (`6h`: the 6-hour rollup).' },
    bucketSeconds: { type: 'integer', description: 'Width of one downsampling bucket.' },
    downsampled: { type: 'boolean' },
    points: {
      type: 'array',
      description: '`[time, value]` pairs in time order. time: Unix seconds (or ISO 8601 with `times=iso`). value null marks a gap (no data), never zero. Per bucket the minimum and the maximum are kept, so one-point dips stay visible.',
      items: { type: 'array', prefixItems: [{ type: ['integer', 'string'] }, { type: ['number', 'null'] }], minItems: 2, maxItems: 2 },
    },
  }),
  Signals: obj({
    entity: { type: 'string' },
    from: isoTime,
    until: isoTime,
    maxPoints: { type: 'integer' },
    resolution: { type: 'string', enum: ['raw', 'hourly', '6h', 'daily', 'mixed', 'none'] },
    series: { type: 'array', items: ref('Series') },
  }),
  Run: obj({
    id: { type: 'integer' },
    job: { type: 'string' },
    collector: nullable('string'),
    startedAt: isoTime,
    finishedAt: isoTimeOrNull,
    status: { type: 'string', enum: ['running', 'ok', 'partial', 'failed', 'interrupted'] },
    rows: { type: 'integer' },
    windowsOk: { type: 'integer' },
    windowsFailed: { type: 'integer' },
    error: nullable('string'),
  }),
  Checkpoint: obj({
    collector: { type: 'string' },
    entity: { type: 'string' },
    signal: { type: 'string', description: 'Signal name, or `*` for a collector-wide stream.' },
    from: isoTime,
    until: isoTime,
    status: { type: 'string', enum: ['ok', 'no-data'] },
    updatedAt: isoTime,
  }),
  Coverage: obj({
    collector: { type: 'string' },
    entity: { type: 'string' },
    signal: { type: 'string' },
    first: isoTime,
    until: isoTime,
    okSeconds: { type: 'integer' },
    noDataSeconds: { type: 'integer' },
    gaps: { type: 'array', items: obj({ from: isoTime, until: isoTime }) },
    updatedAt: isoTime,
  }),
  Sources: obj({
    collectors: { type: 'array', items: { allOf: [ref('CollectorHealth'), obj({ signals: { type: ['array', 'null'], items: { type: 'string' } } })] } },
    runs: { type: 'array', items: ref('Run') },
    checkpoints: { type: 'array', items: ref('Checkpoint') },
    coverage: { type: 'array', items: ref('Coverage') },
  }),
  Outage: obj({
    id: nullable('integer'),
    entity: { type: 'string', example: 'county:ir-behbahan' },
    parent: { type: ['string', 'null'], description: 'The entity this one belongs to (`country:IR` for a county, region or network); null for countries.' },
    kind: { type: 'string', enum: ['connectivity', 'service-blocking', 'both', 'degradation'] },
    severity: { type: 'string', enum: ['warning', 'critical'] },
    start: isoTime,
    end: isoTime,
    durationSeconds: { type: 'integer' },
    score: { type: 'number', description: 'IODA-style score: product over datasources of each one\'s largest alert area (drop % × minutes).' },
    lostPercent: { type: ['number', 'null'], description: 'Percent of normal lost (mean over the abnormal points); null when only rates (OONI) rose.' },
    hours: { type: 'number', description: 'Duration in hours.' },
    synthetic: { type: 'boolean', description: 'Some contributing signal is synthetic (demo or test data).' },
    open: { type: 'boolean' },
    signals: {
      type: 'array',
      items: obj({ signal: { type: 'string' }, start: isoTime, end: isoTime, severity: { type: 'string', enum: ['warning', 'critical'] }, depth: { type: 'number' }, score: { type: 'number' }, lost: { type: ['number', 'null'], description: 'Mean fraction of normal lost (0–1); null for rates.' }, rate: { type: ['number', 'null'], description: 'Rate signals (OONI): the anomaly rate at the deepest point (0–1); null for level signals.' }, normalRate: { type: ['number', 'null'], description: 'Rate signals: the normal anomaly rate there (0–1); null when unknown or for level signals.' } }),
    },
    targets: { type: 'array', items: { type: 'string' } },
    evidence: { type: 'array', items: obj({ label: { type: 'string' }, url: { type: 'string' } }) },
  }),
  Place: obj({ name: { type: 'string' }, admin1: nullable('string'), lat: nullable('number'), lon: nullable('number') }),
  Event: obj({
    id: { type: 'string', example: 'kz-2016-05-21-land-protests' },
    title: { type: 'string' },
    country: { type: 'string', description: 'ISO 3166-1 alpha-2' },
    places: { type: 'array', items: ref('Place') },
    start: isoTime,
    end: { ...isoTime, description: 'Exclusive end, ISO 8601 UTC.' },
    tz: { type: 'string', description: 'IANA zone the event was announced in.', example: 'Asia/Almaty' },
    allDay: { type: 'boolean' },
    localStart: { type: 'string', description: '`start` in `tz` with its offset: 2016-05-21T00:00:00+06:00' },
    localEnd: { type: 'string' },
    localDays: obj({ first: { type: 'string', format: 'date' }, last: { type: 'string', format: 'date' } }),
    kind: { type: 'string', enum: ['protest', 'election', 'unrest', 'anniversary', 'other'] },
    sources: { type: 'array', items: { type: 'string' } },
    notes: nullable('string'),
    tags: { type: 'array', items: { type: 'string' } },
    origin: obj({ type: { type: 'string', enum: ['seed', 'import', 'manual'] }, file: nullable('string'), line: nullable('integer') }),
  }),
  EventInput: {
    type: 'object',
    description: 'An event in the shape of `Event` (only title, country and start are required; `origin`, `localStart`, `localEnd`, `localDays` are ignored). start/end: ISO 8601 instant, local time or date in `tz`; a date alone makes an all-day event in its own zone. Validated by the same step as the calendar importers.',
    properties: {
      id: { type: 'string' },
      title: { type: 'string' },
      country: { type: 'string' },
      places: { type: 'array', items: ref('Place') },
      start: { type: 'string' },
      end: { type: 'string' },
      tz: { type: 'string' },
      allDay: { type: 'boolean' },
      kind: { type: 'string', enum: ['protest', 'election', 'unrest', 'anniversary', 'other'] },
      sources: { type: 'array', items: { type: 'string' } },
      notes: nullable('string'),
      tags: { type: 'array', items: { type: 'string' } },
    },
    required: ['title', 'country', 'start'],
  },
  Verdict: obj(
    {
      connectivity: { type: 'string', enum: ['outage', 'normal', 'no-data'], description: '`outage` only on national evidence.' },
      services: { type: 'string', enum: ['blocking', 'normal', 'no-data'] },
      label: { type: 'string', enum: ['connectivity-outage', 'service-blocking', 'both', 'regional-outage', 'nothing-unusual', 'insufficient-data'] },
      onset: {
        oneOf: [
          { type: 'null' },
          obj({
            time: isoTime,
            seconds: nullable('integer', { description: 'From the event start (negative = before); null for a range.' }),
            entity: { type: 'string' },
            signal: nullable('string'),
            precision: { type: 'string', enum: ['day', 'hour', 'minute'] },
            stepSeconds: { type: 'integer' },
            basis: { type: 'string', enum: ['national', 'subnational-majority'] },
          }),
        ],
      },
      depth: nullable('number', { description: 'Deepest fraction of normal lost on national evidence.' }),
      subnational: {
        type: 'array',
        items: obj({ scope: { type: 'string', enum: ['regional', 'local', 'asn', 'unknown'] }, entity: nullable('string'), area: nullable('string'), start: isoTime, end: isoTime, depth: { type: 'number' }, kind: { type: 'string' }, origin: { type: 'string' } }),
      },
      subnationalSummary: nullable('string', { description: 'e.g. "regional: 3 of 73 counties, 13–15 Nov; largest: Behbahan, 40 %".' }),
    },
    ['connectivity', 'services', 'label'],
  ),
  Correlation: obj(
    {
      event: obj({ id: { type: 'string' }, title: { type: 'string' }, country: { type: 'string' }, start: isoTime, end: isoTime, tz: { type: 'string' } }),
      window: obj({ from: isoTime, until: isoTime, leadSeconds: { type: 'integer' }, lagSeconds: { type: 'integer' } }),
      outageInput: { type: 'string', description: '`detected` or `reference:NAME`' },
      verdict: ref('Verdict'),
      outages: {
        type: 'array',
        items: obj({
          id: { type: ['integer', 'string', 'null'] },
          entity: { type: 'string' },
          kind: { type: 'string' },
          start: isoTime,
          end: isoTime,
          openEnded: { type: 'boolean' },
          onsetSeconds: { type: 'integer', description: 'From the event start to the outage start; negative = before.' },
          score: nullable('number'),
          depth: { type: 'number' },
          signals: { type: 'array', items: { type: 'string' } },
          origin: { type: 'string' },
        }),
      },
      sourceEvents: { type: 'array', items: { type: 'object' } },
      coverage: { type: 'array', items: obj({ source: { type: 'string' }, hadData: { type: 'boolean' }, fraction: { type: 'number' }, reason: nullable('string') }, ['source', 'hadData']) },
      p: nullable('number', { description: 'The headline p: permutation p of the window (the verdict\'s window, to the hour) against non-overlapping ordinary windows of the same country (see significance).' }),
      significance: { type: 'object' },
      synthetic: { type: 'boolean', description: 'True when some signal with data in the window is synthetic (demo data).' },
    },
    ['event', 'window', 'outageInput', 'verdict', 'outages', 'coverage', 'p', 'significance', 'synthetic'],
    { description: 'The document of `outagewatch correlate --event ID --json`.' },
  ),
  EventDetail: {
    allOf: [ref('Event'), obj({ verdict: ref('Verdict'), correlation: ref('Correlation') })],
  },
  ReferenceList: obj({
    name: { type: 'string' },
    format: { type: 'string' },
    outages: { type: 'integer', description: 'How many outages the list holds.' },
    countries: { type: 'integer' },
    first: isoTimeOrNull,
    last: isoTimeOrNull,
    kinds: { type: 'object', additionalProperties: { type: 'integer' } },
    scopes: { type: 'object', description: 'Outages per scope (national, regional, local, asn, unknown); a scope with none is absent.', additionalProperties: { type: 'integer' } },
    files: { type: 'array', items: obj({ file: { type: 'string' }, importedAt: isoTime, imported: { type: 'integer' }, rejected: { type: 'integer' }, duplicates: { type: 'integer' } }) },
  }),
  SourceEvent: obj({
    id: { type: 'integer' },
    source: { type: 'string', example: 'ioda' },
    externalId: { type: 'string' },
    entity: nullable('string'),
    kind: nullable('string'),
    title: nullable('string'),
    description: nullable('string'),
    start: isoTime,
    end: isoTimeOrNull,
    score: nullable('number'),
    url: nullable('string'),
    raw: { description: 'The record as the source sent it.' },
  }),
  CountryCorrelation: obj(
    {
      country: { type: 'string' },
      range: { oneOf: [{ type: 'null' }, obj({ from: isoTime, until: isoTime })] },
      outageInput: { type: 'string' },
      events: {
        type: 'array',
        description: 'Every calendar event of the range; p null with a reason where the event cannot be assessed.',
        items: obj({ id: { type: 'string' }, p: nullable('number', { description: 'The event\'s own (single-event permutation) p.' }), q: nullable('number', { description: 'Benjamini–Hochberg q over the assessable events of this listing (eventsFamily).' }), reason: nullable('string'), synthetic: { type: 'boolean' } }, ['id', 'p', 'q', 'reason']),
      },
      eventsFamily: obj({ correction: { type: 'string' }, size: { type: 'integer' }, description: { type: 'string' } }, ['correction', 'size']),
      stats: { type: 'object', description: 'Event coincidence analysis: method, lead/lag, seed, one entry per test with its own B, exhaustive and smallest attainable p; p = surrogate (calibrated), q = Benjamini–Hochberg, analyticP = Poisson approximation (see docs/correlator.md).' },
      synthetic: { type: 'boolean', description: 'True when some signal behind the result is synthetic (demo data).' },
    },
    ['country', 'range', 'outageInput', 'events', 'eventsFamily', 'stats', 'synthetic'],
  ),
  ReferenceOutage: obj({
    id: nullable('integer'),
    list: { type: 'string' },
    country: { type: 'string' },
    start: isoTime,
    end: { ...isoTimeOrNull, description: 'null: open-ended (Ongoing / Unknown in the source).' },
    kind: nullable('string'),
    scope: { type: 'string', enum: ['national', 'regional', 'local', 'asn', 'unknown'], description: 'How much of the country the outage covered, normalized from the list\'s own words (docs/reference.md).' },
    scopeRaw: { ...nullable('string'), description: 'The list\'s own scope text (`Level  2`, `Region (Central Equitoria)`, a STOP sentence).' },
    scopeDetail: { ...nullable('string'), description: 'The list\'s detail of the scope: area names, region name or AS number.' },
    area: { ...nullable('string'), description: 'Where in the country: a non-ISO place the country column named (Somaliland under SO), else the list\'s area or region name.' },
    cause: nullable('string'),
    services: { type: 'array', items: { type: 'string' } },
    source: nullable('string'),
    origin: obj({ file: nullable('string'), line: nullable('integer') }),
  }),
  CollectRequest: obj(
    {
      source: { type: 'string', description: 'Collector name (see /sources).', example: 'ioda' },
      entity: { type: 'string', example: 'country:KZ' },
      from: { type: ['string', 'integer'], description: TIME_HELP },
      until: { type: ['string', 'integer'], description: `Default: now. ${TIME_HELP}` },
    },
    ['source', 'entity', 'from'],
  ),
  CollectAccepted: obj({
    runId: { type: 'integer' },
    source: { type: 'string' },
    entity: { type: 'string' },
    from: isoTime,
    until: isoTime,
    run: { oneOf: [{ type: 'null' }, ref('Run')] },
  }),
};

const paths: Record<string, Schema> = {
  '/health': {
    get: {
      summary: 'Version, database and collector health (the same facts as `outagewatch status --json`, without the daemon field).',
      operationId: 'health',
      responses: { '200': json(ref('Health'), 'Health') },
    },
  },
  '/entities': {
    get: {
      summary: 'Entities with their signals (first and last point of each).',
      operationId: 'listEntities',
      parameters: [PARAMS.country, param('type', 'Entity type.', { type: 'string', enum: ['country', 'region', 'asn', 'county'] }), PARAMS.format],
      responses: listing('Entity', 'Entities'),
    },
  },
  '/entities/{entity}': {
    get: {
      summary: 'One entity.',
      operationId: 'getEntity',
      parameters: [{ name: 'entity', in: 'path', required: true, schema: { type: 'string' }, example: 'country:KZ' }],
      responses: { '200': json(ref('Entity'), 'The entity'), '404': errorResponse('Unknown entity') },
    },
  },
  '/signals': {
    get: {
      summary: 'Time series of one entity, downsampled for charts.',
      description:
        'Reads raw points for short ranges and the hourly, 6-hour or daily rollups for long ones (the coarsest whose step count over the range is at least `maxPoints`; `resolution` overrides), then keeps the minimum and maximum of each bucket so that dips stay visible, with at most `maxPoints` points per series. Gaps are `null` values. Defaults: `until` = now, `from` = `until` − 7 days. CSV is long format: signal,time,value,resolution,synthetic.',
      operationId: 'signals',
      parameters: [
        { ...PARAMS.entity, required: true },
        PARAMS.from,
        PARAMS.until,
        param('signals', 'Comma-separated signal names (default: all of the entity).', { type: 'string', example: 'ioda.bgp,ioda.ping-slash24' }),
        param('maxPoints', 'Largest number of points per series (10–20000, default 1000).', { type: 'integer', minimum: 10, maximum: 20000, default: 1000 }),
        param('resolution', 'Force a resolution.', { type: 'string', enum: ['auto', 'raw', 'hourly', '6h', 'daily'], default: 'auto' }),
        param('times', 'Point times as Unix seconds (default) or ISO 8601 strings.', { type: 'string', enum: ['unix', 'iso'], default: 'unix' }),
        PARAMS.format,
      ],
      responses: {
        '200': { description: 'Series', content: { 'application/json': { schema: ref('Signals') }, 'text/csv': { schema: { type: 'string' } } } },
        ...ERRORS,
        '404': errorResponse('Unknown entity'),
      },
    },
  },
  '/sources': {
    get: {
      summary: 'Collectors, recent runs, checkpoints and coverage (CSV: the coverage table).',
      operationId: 'sources',
      parameters: [param('collector', 'Only this collector.'), PARAMS.entity, param('runs', 'How many recent runs (0–1000, default 50).', { type: 'integer', minimum: 0, maximum: 1000 }), PARAMS.format],
      responses: { '200': { description: 'Sources', content: { 'application/json': { schema: ref('Sources') }, 'text/csv': { schema: { type: 'string' } } } }, ...ERRORS },
    },
  },
  '/sources/runs': {
    get: {
      summary: 'Recent runs, newest first.',
      operationId: 'listRuns',
      parameters: [param('collector', 'Only this collector.'), param('limit', 'How many (1–1000, default 50).', { type: 'integer', minimum: 1, maximum: 1000 }), PARAMS.format],
      responses: listing('Run', 'Runs'),
    },
  },
  '/sources/checkpoints': {
    get: {
      summary: 'Covered intervals per collector, entity and signal.',
      operationId: 'listCheckpoints',
      parameters: [param('collector', 'Only this collector.'), PARAMS.entity, PARAMS.format],
      responses: listing('Checkpoint', 'Checkpoints'),
    },
  },
  '/outages': {
    get: {
      summary: 'Detected outages overlapping the range (the same shape as `outagewatch outages --json`).',
      operationId: 'listOutages',
      parameters: [
        PARAMS.entity,
        { ...PARAMS.country, description: 'Outages of every entity of this country (country, regions, ASes).' },
        PARAMS.from,
        PARAMS.until,
        param('kind', 'Outage kind.', { type: 'string', enum: ['connectivity', 'service-blocking', 'both', 'degradation'] }),
        param('severity', 'Severity.', { type: 'string', enum: ['warning', 'critical'] }),
        PARAMS.format,
      ],
      responses: listing('Outage', 'Outages'),
    },
  },
  '/source-events': {
    get: {
      summary: 'Outages the sources declared themselves (IODA events, Radar annotations, OONI evidence) overlapping the range.',
      operationId: 'listSourceEvents',
      parameters: [
        PARAMS.entity,
        { ...PARAMS.country, description: 'Source events of every entity of this country.' },
        param('source', 'Source name (ioda, ooni, radar).'),
        PARAMS.from,
        PARAMS.until,
        PARAMS.format,
      ],
      responses: listing('SourceEvent', 'Source events'),
    },
  },
  '/correlation': {
    get: {
      summary: 'A country calendar against its outages (the same document as `outagewatch correlate --country CC --json`); as CSV, one row per test.',
      operationId: 'correlateCountry',
      parameters: [{ ...PARAMS.country, required: true }, PARAMS.from, PARAMS.until, PARAMS.format],
      responses: {
        '200': { description: 'The correlation', content: { 'application/json': { schema: ref('CountryCorrelation') }, 'text/csv': { schema: { type: 'string' } } } },
        ...ERRORS,
      },
    },
  },
  '/outages/{id}': {
    get: {
      summary: 'One outage.',
      operationId: 'getOutage',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
      responses: { '200': json(ref('Outage'), 'The outage'), '400': ERRORS['400'], '404': errorResponse('Unknown outage') },
    },
  },
  '/sources/runs/{id}': {
    get: {
      summary: 'One run (e.g. the handle returned by POST /collect).',
      operationId: 'getRun',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
      responses: { '200': json(ref('Run'), 'The run'), '400': ERRORS['400'], '404': errorResponse('Unknown run') },
    },
  },
  '/events': {
    get: {
      summary: 'Protest calendar events overlapping the range (the same shape as `outagewatch calendar list --json`).',
      operationId: 'listEvents',
      parameters: [PARAMS.country, PARAMS.from, PARAMS.until, param('kind', 'Event kind.', { type: 'string', enum: ['protest', 'election', 'unrest', 'anniversary', 'other'] }), PARAMS.format],
      responses: listing('Event', 'Events'),
    },
    post: {
      summary: 'Add an event (admin token).',
      operationId: 'createEvent',
      security,
      requestBody: { required: true, content: { 'application/json': { schema: ref('EventInput') } } },
      responses: {
        '201': json(ref('Event'), 'Created; Location names it.'),
        '400': errorResponse('The body is not a valid event; `error.errors` lists `{ field, reason }`.'),
        ...writeErrors,
        '409': errorResponse('The id, or the country + start + title, is taken.'),
        '503': errorResponse('No writable database connection.'),
      },
    },
  },
  '/events/{id}': {
    get: {
      summary: 'One event with its correlation and verdict.',
      operationId: 'getEvent',
      parameters: [
        { name: 'id', in: 'path', required: true, schema: { type: 'string' }, example: 'kz-2016-05-21-land-protests' },
        param('lead', 'Window opens this long before the event (duration: 1d, 36h; default from config, 1d).'),
        param('lag', 'Window closes this long after the event (default 2d).'),
        param('outages', 'Outage input: `detected` (default) or `reference:NAME`.'),
      ],
      responses: { '200': json(ref('EventDetail'), 'The event, its verdict and correlation'), '400': ERRORS['400'], '404': errorResponse('Unknown event') },
    },
    put: {
      summary: 'Replace an event (admin token).',
      operationId: 'updateEvent',
      security,
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      requestBody: { required: true, content: { 'application/json': { schema: ref('EventInput') } } },
      responses: {
        '200': json(ref('Event'), 'The stored event'),
        '400': errorResponse('The body is not a valid event.'),
        ...writeErrors,
        '404': errorResponse('Unknown event'),
        '409': errorResponse('Another event has the same country + start + title.'),
        '503': errorResponse('No writable database connection.'),
      },
    },
    delete: {
      summary: 'Remove an event (admin token).',
      operationId: 'deleteEvent',
      security,
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '204': { description: 'Removed' }, ...writeErrors, '404': errorResponse('Unknown event'), '503': errorResponse('No writable database connection.') },
    },
  },
  '/reference': {
    get: {
      summary: 'Reference outage lists (Access Now STOP, IODA investigated, user CSV); the shape of `outagewatch reference list --json`.',
      operationId: 'listReferenceLists',
      parameters: [PARAMS.format],
      responses: listing('ReferenceList', 'Lists'),
    },
  },
  '/reference/{list}': {
    get: {
      summary: 'Outages of one reference list overlapping the range.',
      operationId: 'listReferenceOutages',
      parameters: [
        { name: 'list', in: 'path', required: true, schema: { type: 'string' }, example: 'stop' },
        PARAMS.country,
        param('scope', 'Only outages of this scope.', { type: 'string', enum: ['national', 'regional', 'local', 'asn', 'unknown'] }),
        PARAMS.from,
        PARAMS.until,
        PARAMS.format,
      ],
      responses: { ...listing('ReferenceOutage', 'Reference outages'), '404': errorResponse('Unknown list') },
    },
  },
  '/collect': {
    post: {
      summary: 'Start a collection in the background (admin token).',
      operationId: 'collect',
      security,
      requestBody: { required: true, content: { 'application/json': { schema: ref('CollectRequest') } } },
      responses: {
        '202': json(ref('CollectAccepted'), 'Started; poll the run at Location (/api/sources/runs/{id}).'),
        '400': errorResponse('Bad body: `error.parameter` names the field (source, entity, from, until).'),
        ...writeErrors,
        '409': errorResponse('A collection by this collector started through the API is still running.'),
        '503': errorResponse('No writable database connection.'),
      },
    },
  },
  '/openapi.json': {
    get: { summary: 'This document.', operationId: 'openapi', responses: { '200': { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } } },
  },
};

const PAGING_PARAMS: Schema[] = [
  param('limit', 'Page size: rows per answer (1–10000; JSON default 1000; CSV default every row).', { type: 'integer', minimum: 1, maximum: 10000 }),
  param('offset', 'Rows to skip (default 0); the order of a listing is stable, so offset pages do not overlap.', { type: 'integer', minimum: 0 }),
];

/** Every listing operation takes `limit` and `offset` (the runs listing already had its own `limit`). */
function withPaging(all: Record<string, Schema>): Record<string, Schema> {
  for (const ops of Object.values(all)) {
    const get = (ops as Record<string, Schema>).get as { parameters?: Schema[]; responses: Record<string, Schema & { headers?: unknown }> } | undefined;
    if (!get || get.responses['200']?.headers !== PAGING_HEADERS) continue;
    const names = new Set((get.parameters ?? []).map((p) => (p as { name?: string }).name));
    get.parameters = [...(get.parameters ?? []), ...PAGING_PARAMS.filter((p) => !names.has((p as { name?: string }).name))];
  }
  return all;
}

export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'outagewatch API',
      version,
      description:
        'Read-only JSON API of outagewatch (writes need `Authorization: Bearer <admin token>`). Times in: ISO 8601 UTC or Unix seconds; times out: ISO 8601 UTC, except chart points (Unix seconds unless `times=iso`). Every listing is also CSV (`?format=csv` or `Accept: text/csv`). Errors: `{ "error": { "code", "status", "message" } }`, never a stack trace.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/api' }],
    paths: withPaging(paths),
    components: {
      schemas,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The admin token (`OUTAGEWATCH_ADMIN_TOKEN`).' } },
    },
  };
}

