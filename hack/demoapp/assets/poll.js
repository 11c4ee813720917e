// Polls /api/ping every second with fetch: a background request (Sec-Fetch-Mode: cors), not a
// navigation, so the auth service must not count it as activity. #polls counts the answers that got
// through; #poll-status shows the last one ("200", "401", "redirect", "error"), so that a test can
// wait for the session to end while the page keeps polling.
"use strict";

(function () {
  const polls = document.getElementById("polls");
  const status = document.getElementById("poll-status");
  let ok = 0;

  async function ping() {
    try {
      const res = await fetch("/api/ping", { cache: "no-store", redirect: "manual" });
      if (res.type === "opaqueredirect") {
        status.textContent = "redirect";
        return;
      }
      status.textContent = String(res.status);
      if (res.ok && (await res.json()).ok === true) {
        ok++;
        polls.textContent = String(ok);
      }
    } catch (err) {
      status.textContent = "error";
    }
  }

  ping();
  setInterval(ping, 1000);
})();
