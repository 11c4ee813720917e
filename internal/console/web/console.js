// The console's script (internal/console): the countdown, "Copy credentials", the revoke
// confirmation and live updates. Every action also works without it: forms post to the server,
// which asks for the revoke confirmation on a page of its own.
'use strict';
(function () {
  const main = document.getElementById('main');
  if (!main || !main.dataset.now) return;

  // The countdown runs on the server's clock: skew is how far the browser's was off when the
  // page loaded (clocks do not drift apart noticeably while a page is open).
  const served = Date.parse(main.dataset.now);
  const skew = Number.isNaN(served) ? 0 : served - Date.now();
  const now = () => Date.now() + skew;

  // countdown is the format of internal/console's countdown (format.go).
  function countdown(ms) {
    if (!(ms > 0)) return 'expired';
    const s = Math.floor(ms / 1000);
    const days = Math.floor(s / 86400), hours = Math.floor(s % 86400 / 3600);
    const minutes = Math.floor(s % 3600 / 60), seconds = s % 60;
    if (days > 0) return days + 'd ' + hours + 'h ' + minutes + 'm';
    if (hours > 0) return hours + 'h ' + minutes + 'm ' + seconds + 's';
    return minutes + 'm ' + seconds + 's';
  }
  function tick() {
    for (const el of document.querySelectorAll('[data-expires]')) {
      const text = countdown(Date.parse(el.dataset.expires) - now());
      if (el.textContent !== text) el.textContent = text;
    }
  }
  tick();
  setInterval(tick, 1000);

  const status = document.getElementById('status');
  function say(text) {
    status.textContent = text;
    status.hidden = false;
  }

  document.addEventListener('click', (e) => {
    const el = e.target.closest('button, a');
    if (!el) return;
    if (el.dataset.copy) {
      e.preventDefault();
      const text = document.getElementById(el.dataset.copy).textContent;
      navigator.clipboard.writeText(text).then(
        () => say('Credentials copied to the clipboard: paste them to support over a secure channel.'),
        () => say('The browser did not allow copying: select the credentials and copy them by hand.'));
    } else if (el.dataset.dialog) {
      e.preventDefault();
      document.getElementById(el.dataset.dialog).showModal();
    } else if (el.hasAttribute('data-close')) {
      e.preventDefault();
      el.closest('dialog').close();
    }
  });

  // Live updates: the server streams the page's live parts whenever something changed. An open
  // dialog or the timeout being edited is not replaced under the user's hands; the update waits.
  let pending = null;
  let version = main.dataset.version;
  function swap(id, html) {
    const el = document.getElementById(id);
    const focused = el.contains(document.activeElement) ? document.activeElement.id : '';
    el.innerHTML = html;
    if (focused) {
      const again = document.getElementById(focused);
      if (again) again.focus();
    }
  }
  function apply(update) {
    if (update.version && update.version === version) return;
    if (document.querySelector('dialog[open]')) {
      pending = update;
      return;
    }
    pending = null;
    version = update.version;
    swap('live-grants', update.grants);
    if (!document.querySelector('#live-policy [data-editing]')) swap('live-policy', update.policy);
    tick();
  }
  document.addEventListener('close', () => {
    if (pending) apply(pending);
  }, true);
  const liveError = document.getElementById('live-error');
  if (main.dataset.live && window.EventSource) {
    const stream = new EventSource(main.dataset.live);
    stream.addEventListener('update', (e) => {
      liveError.hidden = true;
      apply(JSON.parse(e.data));
    });
    stream.addEventListener('failure', (e) => {
      liveError.textContent = 'Live updates failed: ' + e.data;
      liveError.hidden = false;
    });
    // A stream the server refused or ended for good (the browser reconnects after anything else).
    stream.addEventListener('error', () => {
      if (stream.readyState === EventSource.CLOSED) {
        liveError.textContent = 'Live updates stopped: reload the page to see changes.';
        liveError.hidden = false;
      }
    });
  }
})();
