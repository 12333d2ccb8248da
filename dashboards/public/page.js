/*
 * outagewatch pages: the UTC / local-time toggle. Every <time> carries both texts (data-utc,
 * data-local); the toggle switches them in place, keeps the choice in the URL (?tz=local) and tells
 * the charts (event `ow:tz`). Without JavaScript the toggle is a plain link that reloads the page.
 */
(function () {
  'use strict';

  function setMode(mode) {
    Array.prototype.forEach.call(document.querySelectorAll('time[data-utc]'), function (t) {
      t.textContent = mode === 'local' ? t.getAttribute('data-local') : t.getAttribute('data-utc');
    });
    Array.prototype.forEach.call(document.querySelectorAll('[data-tz-mode]'), function (a) {
      var on = a.getAttribute('data-tz-mode') === mode;
      a.classList.toggle('active', on);
      a.setAttribute('aria-pressed', on ? 'true' : 'false');
    });
    Array.prototype.forEach.call(document.querySelectorAll('form[method="get"]'), function (f) {
      var input = f.querySelector('input[name="tz"]');
      if (mode === 'local' && !input) {
        input = document.createElement('input');
        input.type = 'hidden';
        input.name = 'tz';
        f.appendChild(input);
      }
      if (input) {
        if (mode === 'local') input.value = 'local';
        else input.remove();
      }
    });
    var url = new URL(window.location.href);
    if (mode === 'local') url.searchParams.set('tz', 'local');
    else url.searchParams.delete('tz');
    window.history.replaceState(null, '', url.toString());
    document.documentElement.setAttribute('data-tz-mode', mode);
    document.dispatchEvent(new CustomEvent('ow:tz', { detail: { mode: mode } }));
  }

  document.addEventListener('click', function (e) {
    var a = e.target && e.target.closest ? e.target.closest('[data-tz-mode]') : null;
    if (!a) return;
    e.preventDefault();
    setMode(a.getAttribute('data-tz-mode'));
  });
})();
