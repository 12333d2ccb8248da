/*
 * outagewatch charts: turns every `.charts` container (rendered by dashboards/pages/charts.ts) into
 * stacked uPlot charts. Series come from /api/signals (the same URLs as the CSV/JSON links); bands
 * (the event, its window, outages, source events) and calendar markers are DOM elements laid over each
 * plot, so they can be styled, focused and counted. Dragging across a chart zooms: the page reloads
 * with from/until in the URL, so a zoomed view can be shared.
 */
(function () {
  'use strict';
  if (typeof uPlot === 'undefined') return;

  var COLORS = ['#0b57d0', '#b3261e', '#1a7f37', '#8a5300', '#6f42c1', '#0a7281', '#a3367a', '#444c56'];
  var charts = [];

  function parse(text, fallback) {
    try {
      return JSON.parse(text);
    } catch (e) {
      return fallback;
    }
  }

  function zoneOf(cfg) {
    return cfg.mode === 'local' ? cfg.tz : 'UTC';
  }

  var fmtCache = {};
  function parts(ts, zone) {
    var f = fmtCache[zone];
    if (!f) {
      f = fmtCache[zone] = new Intl.DateTimeFormat('en-GB', {
        timeZone: zone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      });
    }
    var o = {};
    f.formatToParts(new Date(ts * 1000)).forEach(function (p) {
      o[p.type] = p.value;
    });
    return o;
  }

  function tickLabel(ts, incr, zone) {
    var p = parts(ts, zone);
    if (incr >= 86400 * 28) return p.year + '-' + p.month;
    if (incr >= 86400) return p.month + '-' + p.day;
    if (p.hour === '00' && p.minute === '00') return p.month + '-' + p.day + '\n00:00';
    return p.hour + ':' + p.minute;
  }

  /** The hover time, always with its zone: `2016-05-21 11:00 Asia/Almaty` or `2016-05-20 18:00 UTC`. */
  function hoverTime(ts, zone) {
    if (ts === null || ts === undefined) return '—';
    var p = parts(ts, zone);
    return p.year + '-' + p.month + '-' + p.day + ' ' + p.hour + ':' + p.minute + ' ' + zone;
  }

  function yLabel(v, unit) {
    if (v === null || v === undefined) return '';
    if (unit === 'share of measurements') return Math.round(v * 100) + '%';
    var a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(1) + 'G';
    if (a >= 1e6) return (v / 1e6).toFixed(1) + 'M';
    if (a >= 1e4) return (v / 1e3).toFixed(0) + 'k';
    if (a >= 1e3) return (v / 1e3).toFixed(1) + 'k';
    return String(Math.round(v * 100) / 100);
  }

  function iso(ts) {
    return new Date(ts * 1000).toISOString().replace('.000Z', 'Z');
  }

  /** Aligns several [t, v] series on the union of their times (missing = gap). */
  function align(list) {
    var times = {};
    list.forEach(function (pts) {
      pts.forEach(function (p) {
        times[p[0]] = true;
      });
    });
    var xs = Object.keys(times)
      .map(Number)
      .sort(function (a, b) {
        return a - b;
      });
    var index = {};
    xs.forEach(function (t, i) {
      index[t] = i;
    });
    var data = [xs];
    list.forEach(function (pts) {
      var ys = new Array(xs.length).fill(null);
      pts.forEach(function (p) {
        ys[index[p[0]]] = p[1];
      });
      data.push(ys);
    });
    return data;
  }

  function overlay(u, chart) {
    var cfg = chart.cfg;
    var box = chart.overlay;
    if (!box) return;
    box.textContent = '';
    var w = u.over.clientWidth;
    function place(el, a, b) {
      var l = Math.max(0, u.valToPos(a, 'x'));
      var r = Math.min(w, u.valToPos(b, 'x'));
      if (!(r > 0 && l < w)) return false;
      el.style.left = l + 'px';
      el.style.width = Math.max(2, r - l) + 'px';
      return true;
    }
    cfg.bands.forEach(function (b) {
      if (b.type === 'source-event' && b.target && chart.spec.target && b.target !== chart.spec.target) return;
      if (b.type === 'source-event' && b.target && !chart.spec.target) return;
      var el = document.createElement('div');
      el.className = 'band band-' + b.type + (b.kind ? ' kind-' + b.kind : '');
      el.title = b.label + ': ' + iso(b.from) + ' to ' + iso(b.until);
      if (place(el, b.from, b.until)) box.appendChild(el);
    });
    cfg.markers.forEach(function (m) {
      var x = u.valToPos(m.at, 'x');
      if (x < 0 || x > w) return;
      var a = document.createElement('a');
      a.className = 'marker';
      a.href = m.href;
      a.title = m.label + ' (' + iso(m.at) + ')';
      a.setAttribute('aria-label', 'Calendar event: ' + m.label);
      a.style.left = x + 'px';
      box.appendChild(a);
    });
  }

  function build(chart) {
    var spec = chart.spec;
    var cfg = chart.cfg;
    var zone = zoneOf(cfg);
    var el = chart.panel.querySelector('.chart');
    if (chart.u) chart.u.destroy();
    el.textContent = '';
    var bars = spec.kind === 'bars';
    var series = [
      {
        label: 'Time',
        value: function (u, ts) {
          return hoverTime(ts, zone);
        },
      },
    ].concat(
      spec.series.map(function (s, i) {
        var color = COLORS[i % COLORS.length];
        var o = {
          label: s.label,
          stroke: color,
          width: 1.5,
          spanGaps: false,
          points: { show: false },
          value: function (u, v) {
            return v === null || v === undefined ? '—' : yLabel(v, spec.unit);
          },
        };
        if (bars) {
          o.paths = uPlot.paths.bars({ size: [0.9 / spec.series.length, 40], align: 1, gap: 1 });
          o.fill = color + 'aa';
          o.width = 0;
        }
        return o;
      }),
    );
    var opts = {
      width: Math.max(300, el.clientWidth || chart.panel.clientWidth || 800),
      height: bars ? 120 : 170,
      tzDate: function (ts) {
        return uPlot.tzDate(new Date(ts * 1000), zone);
      },
      scales: {
        x: {
          time: true,
          range: function () {
            return [cfg.from, cfg.until];
          },
        },
        y:
          bars || spec.unit === 'share of measurements'
            ? { range: [0, 1] }
            : {
                range: function (u, min, max) {
                  return [Math.min(0, min === null ? 0 : min), max === null || max <= 0 ? 1 : max * 1.08];
                },
              },
      },
      series: series,
      axes: [
        {
          space: 70,
          values: function (u, splits, axisIdx, space, incr) {
            var labels = splits.map(function (t) {
              return tickLabel(t, incr, zone);
            });
            u.root.setAttribute('data-xticks', labels.join('|').replace(/\n/g, ' '));
            u.root.setAttribute('data-xsplits', splits.join(','));
            u.root.setAttribute('data-zone', zone);
            return labels;
          },
        },
        {
          size: 56,
          values: function (u, splits) {
            return splits.map(function (v) {
              return yLabel(v, spec.unit);
            });
          },
        },
      ],
      cursor: { sync: { key: 'ow' }, drag: { x: true, y: false, setScale: false } },
      legend: { show: true, live: true },
      hooks: {
        draw: [
          function (u) {
            overlay(u, chart);
          },
        ],
        setSelect: [
          function (u) {
            if (u.select.width < 8) return;
            var a = Math.floor(u.posToVal(u.select.left, 'x'));
            var b = Math.ceil(u.posToVal(u.select.left + u.select.width, 'x'));
            var url = new URL(window.location.href);
            url.searchParams.set('from', iso(a));
            url.searchParams.set('until', iso(b));
            window.location.assign(url.toString());
          },
        ],
      },
    };
    chart.u = new uPlot(opts, chart.data, el);
    chart.overlay = chart.overlay || document.createElement('div');
    chart.overlay.className = 'overlays';
    chart.u.over.appendChild(chart.overlay);
    if (spec.synthetic) {
      var mark = document.createElement('div');
      mark.className = 'synthetic-mark';
      mark.textContent = 'SYNTHETIC';
      mark.title = 'generated demo data, not a measurement';
      chart.u.over.appendChild(mark);
    }
    overlay(chart.u, chart);
  }

  function fetchEntity(entity, signals, cfg) {
    var url =
      '/api/signals?' +
      new URLSearchParams({
        entity: entity,
        signals: signals.join(','),
        from: String(cfg.from),
        until: String(cfg.until),
        maxPoints: String(cfg.maxPoints),
      }).toString();
    return fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) {
        return r.json().then(
          function (e) {
            throw new Error((e && e.error && e.error.message) || 'HTTP ' + r.status);
          },
          function () {
            throw new Error('HTTP ' + r.status);
          },
        );
      }
      return r.json();
    });
  }

  function init(root) {
    var cfg = {
      from: Number(root.getAttribute('data-from')),
      until: Number(root.getAttribute('data-until')),
      tz: root.getAttribute('data-tz') || 'UTC',
      mode: root.getAttribute('data-mode') === 'local' ? 'local' : 'utc',
      maxPoints: Number(root.getAttribute('data-maxpoints')) || 1200,
      // bands come as [type, from, until, label, kind, target] (dashboards/pages/charts.ts bandsAttr)
      bands: parse(root.getAttribute('data-bands'), []).map(function (b) {
        return { type: b[0], from: b[1], until: b[2], label: b[3], kind: b[4], target: b[5] };
      }),
      // calendar markers come as [at, event id, label] (dashboards/pages/charts.ts markersAttr)
      markers: parse(root.getAttribute('data-markers'), []).map(function (m) {
        return { at: m[0], href: '/events/' + encodeURIComponent(m[1]), label: m[2] };
      }),
    };
    var panels = Array.prototype.slice.call(root.querySelectorAll('.chart-panel'));
    var mine = panels
      .map(function (p) {
        return { panel: p, spec: parse(p.getAttribute('data-panel'), null), cfg: cfg, u: null, data: null };
      })
      .filter(function (c) {
        return c.spec;
      });
    var byEntity = {};
    mine.forEach(function (c) {
      c.spec.series.forEach(function (s) {
        const list = (byEntity[s.entity] = byEntity[s.entity] || []);
        if (list.indexOf(s.signal) < 0) list.push(s.signal);
      });
      c.panel.querySelector('.chart-status').textContent = 'Loading…';
    });
    var entities = Object.keys(byEntity);
    Promise.all(
      entities.map(function (e) {
        return fetchEntity(e, byEntity[e], cfg);
      }),
    ).then(
      function (docs) {
        var found = {};
        docs.forEach(function (doc) {
          doc.series.forEach(function (s) {
            found[doc.entity + '|' + s.signal] = s;
          });
        });
        mine.forEach(function (c) {
          var list = c.spec.series.map(function (s) {
            var f = found[s.entity + '|' + s.signal];
            return f ? f.points : [];
          });
          var meta = c.spec.series
            .map(function (s) {
              return found[s.entity + '|' + s.signal];
            })
            .filter(Boolean);
          c.data = align(list);
          var n = 0;
          for (var i = 1; i < c.data.length; i++)
            c.data[i].forEach(function (v) {
              if (v !== null && v !== undefined) n++;
            });
          c.panel.setAttribute('data-points', String(n));
          if (
            meta.some(function (m) {
              return m.synthetic;
            })
          )
            c.spec.synthetic = true;
          var status = c.panel.querySelector('.chart-status');
          if (n === 0) {
            // said in the panel itself, where the chart would be, not only as a badge beside the title
            status.textContent = 'No data in this range.';
            c.panel.classList.add('no-data');
            var empty = document.createElement('p');
            empty.className = 'no-data-text';
            empty.textContent = 'no data';
            c.panel.querySelector('.chart').after(empty);
          } else {
            var res = meta.map(function (m) {
              return m.resolution + (m.downsampled ? ', downsampled to ' + m.bucketSeconds + ' s buckets' : '');
            });
            status.textContent =
              n +
              ' values · ' +
              res
                .filter(function (r, i) {
                  return res.indexOf(r) === i;
                })
                .join('; ') +
              (c.spec.synthetic ? ' · SYNTHETIC (generated demo data)' : '');
          }
          build(c);
          c.panel.classList.add('rendered');
          charts.push(c);
        });
        root.classList.add('charts-ready');
      },
      function (err) {
        mine.forEach(function (c) {
          c.panel.querySelector('.chart-status').textContent = 'Could not load the data: ' + err.message;
          c.panel.classList.add('failed');
        });
        root.classList.add('charts-failed');
      },
    );
    return cfg;
  }

  var configs = [];
  Array.prototype.forEach.call(document.querySelectorAll('.charts'), function (root) {
    configs.push({ root: root, cfg: init(root) });
  });

  document.addEventListener('ow:tz', function (e) {
    var mode = e.detail && e.detail.mode === 'local' ? 'local' : 'utc';
    configs.forEach(function (c) {
      c.cfg.mode = mode;
      var cap = c.root.querySelector('.axis-zone');
      if (cap) cap.textContent = mode === 'local' ? c.cfg.tz : 'UTC';
    });
    charts.forEach(build);
  });

  var timer = null;
  window.addEventListener('resize', function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      charts.forEach(function (c) {
        if (!c.u) return;
        var el = c.panel.querySelector('.chart');
        c.u.setSize({ width: Math.max(300, el.clientWidth), height: c.u.height });
      });
    }, 150);
  });
})();
