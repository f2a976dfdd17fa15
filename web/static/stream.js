// Fang'an board: live rows over Server-Sent Events (GET /api/stream), polling the whole board
// only while the stream is down. A pushed row replaces its card, moves it to its lane at its
// place in the urgency order, or leaves the board once the incident is no longer open.
"use strict";

(function () {
  const board = document.getElementById("board");
  if (!board || !board.dataset.stream) return;
  const pollMs = Math.max(1, Number(board.dataset.pollSeconds || 4)) * 1000;
  const conn = document.getElementById("conn");
  let source = null;
  let pollTimer = null;

  function live(on) {
    const badge = document.getElementById("sb-live");
    if (badge) badge.hidden = !on;
    if (conn) conn.hidden = on;
  }

  async function reload() {
    try {
      const r = await fetch(board.dataset.fallback, {
        credentials: "same-origin", headers: { "HX-Request": "true" },
      });
      if (r.headers.get("HX-Redirect")) { window.location = r.headers.get("HX-Redirect"); return; }
      if (!r.ok) throw new Error(String(r.status));
      board.innerHTML = await r.text();
      if (window.htmx) window.htmx.process(board);
      board.dispatchEvent(new CustomEvent("fangan:board", { bubbles: true }));
      if (conn && !source) conn.hidden = true;
    } catch (err) {
      if (conn) conn.hidden = false;
    }
  }

  async function refetchLane(lane) {
    const r = await fetch(`/fragments/lane/${lane.dataset.lane}`, { credentials: "same-origin" });
    if (!r.ok) return;
    const box = document.createElement("div");
    box.innerHTML = await r.text();
    const fresh = box.firstElementChild;
    if (!fresh) return;
    lane.replaceWith(fresh);
    if (window.htmx) window.htmx.process(fresh);
  }

  function card(html) {
    const box = document.createElement("div");
    box.innerHTML = html.trim();
    return box.firstElementChild;
  }

  function place(row) {
    const old = board.querySelector(`.sb-card[data-incident="${row.id}"]`);
    const from = old ? old.closest(".sb-lane") : null;
    if (old) old.remove();
    const lane = row.lane ? board.querySelector(`.sb-lane[data-lane="${row.lane}"]`) : null;
    if (lane && lane.dataset.page === "1") {
      const rows = lane.querySelector(".sb-rows");
      const cards = [...rows.querySelectorAll(".sb-card")];
      const size = Number(lane.dataset.size);
      const after = cards.find((c) => c.dataset.key > row.key);
      // A row beyond the last shown one belongs to the next page when the lane is full.
      if (after || cards.length < size) {
        const el = card(row.html);
        el.classList.add("sb-fresh");
        rows.insertBefore(el, after || null);
        rows.querySelector(".sb-empty")?.remove();
        const all = rows.querySelectorAll(".sb-card");
        if (all.length > size) { all[all.length - 1].remove(); lane.dataset.more = "1"; }
      }
    }
    // A lane that lost a card while it has more to show is read again.
    if (from && from !== lane && from.dataset.more === "1" && from.dataset.page === "1") {
      refetchLane(from);
    }
  }

  function counts(data) {
    let total = 0;
    Object.entries(data).forEach(([name, n]) => {
      total += n;
      board.querySelectorAll(`[data-count="${name}"]`).forEach((el) => { el.textContent = n; });
    });
    board.querySelectorAll('[data-count="total"]').forEach((el) => { el.textContent = total; });
  }

  function alert(data) {
    const box = document.getElementById("sb-alerts");
    if (!box) return;
    const li = document.createElement("li");
    li.textContent = data.text;
    const list = box.querySelector("ul");
    list.prepend(li);
    while (list.children.length > 5) list.lastElementChild.remove();
    box.hidden = false;
  }

  function startPolling() {
    if (!pollTimer) pollTimer = setInterval(reload, pollMs);
  }

  function stopPolling() {
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
  }

  function connect() {
    if (!window.EventSource) { startPolling(); return; }
    source = new EventSource(board.dataset.stream);
    source.addEventListener("ready", () => { live(true); stopPolling(); });
    source.addEventListener("row", (e) => place(JSON.parse(e.data)));
    source.addEventListener("counts", (e) => counts(JSON.parse(e.data)));
    source.addEventListener("alert", (e) => alert(JSON.parse(e.data)));
    source.addEventListener("resync", () => reload());
    source.onerror = () => {
      // EventSource retries by itself (with Last-Event-ID); meanwhile the board is polled.
      live(false);
      startPolling();
      if (source.readyState === EventSource.CLOSED) {
        source = null;
        setTimeout(connect, pollMs);
      }
    };
  }

  connect();
})();
