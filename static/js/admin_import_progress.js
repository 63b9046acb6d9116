// The import run's page (partnerships/admin/imports.py): while the run is queued or running,
// ask its status every second and move the progress bar and the counts; once it has finished,
// load the page again for the report. A file of its own: the Content-Security-Policy allows no
// inline script.
"use strict";
(function () {
  const bar = document.getElementById("import-progress");
  if (!bar || !bar.dataset.statusUrl) return;
  const state = document.getElementById("import-state");
  async function poll() {
    try {
      const response = await fetch(bar.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const status = await response.json();
        if (status.finished) {
          window.location.reload();
          return;
        }
        bar.max = Math.max(status.rows_total, 1);
        bar.value = Math.min(status.rows_processed, bar.max);
        for (const cell of document.querySelectorAll("[data-count]")) {
          cell.textContent = status[cell.dataset.count];
        }
        if (state && !state.textContent.includes("—")) state.textContent = status.state_label;
      }
    } catch (error) {
      // The server restarting or the network gone for a moment: ask again.
    }
    window.setTimeout(poll, 1000);
  }
  window.setTimeout(poll, 1000);
})();
