// Fang'an console: countdowns that tick, live classification on the intake form, one submit per
// click, a connection warning, and half-typed action forms kept across live refreshes.
"use strict";

(function () {
  const body = document.body;
  const reminderSeconds = Number(body.dataset.reminderSeconds || 0);
  // The engine's clock may differ from this device's: count from the server's "now".
  let offsetMs = 0;

  function syncClock(root) {
    const marked = root.querySelector("[data-server-now]");
    if (marked) offsetMs = Date.parse(marked.dataset.serverNow) - Date.now();
  }

  function span(seconds) {
    const s = Math.floor(Math.abs(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const sec = s % 60;
    const two = (n) => String(n).padStart(2, "0");
    return h ? `${h}小时${two(m)}分` : `${two(m)}:${two(sec)}`;
  }

  function tick() {
    const now = Date.now() + offsetMs;
    document.querySelectorAll(".countdown[data-due]").forEach((el) => {
      const left = (Date.parse(el.dataset.due) - now) / 1000;
      const css = left < 0 ? "cd-late" : left <= reminderSeconds ? "cd-soon" : "cd-ok";
      el.textContent = left < 0 ? `已超时 ${span(left)}` : `剩余 ${span(left)}`;
      if (!el.classList.contains(css)) {
        el.classList.remove("cd-ok", "cd-soon", "cd-late");
        el.classList.add(css);
      }
    });
  }

  syncClock(body.parentElement);
  tick();
  setInterval(tick, 1000);

  // -- live refresh: connection state, re-sync, keep what the officer was typing ----------
  const conn = document.getElementById("conn");
  document.addEventListener("htmx:afterSwap", (e) => { syncClock(e.detail.target); tick(); });
  document.addEventListener("htmx:afterRequest", (e) => {
    if (conn) conn.hidden = e.detail.successful;
  });
  document.addEventListener("htmx:sendError", () => { if (conn) conn.hidden = false; });

  // A poll must not close what the officer opened (the full notice list, a burst of events).
  let keptOpen = [];
  document.addEventListener("htmx:beforeSwap", (e) => {
    keptOpen = [...e.detail.target.querySelectorAll("details[data-keep][open]")]
      .map((d) => d.dataset.keep);
  });
  document.addEventListener("htmx:afterSwap", (e) => {
    e.detail.target.querySelectorAll("details[data-keep]").forEach((d) => {
      if (keptOpen.includes(d.dataset.keep)) d.open = true;
    });
  });

  let saved = null;
  document.addEventListener("htmx:oobBeforeSwap", (e) => {
    if (e.detail.target.id !== "actions") return;
    saved = { open: [], values: {} };
    e.detail.target.querySelectorAll("details.action[open]").forEach((d) => {
      saved.open.push(d.dataset.action);
    });
    e.detail.target.querySelectorAll("form").forEach((form) => {
      const action = form.closest("details.action")?.dataset.action;
      form.querySelectorAll("input:not([type=hidden]), select, textarea").forEach((field) => {
        if (field.type === "checkbox") return;
        if (action && field.value) saved.values[`${action}:${field.name}`] = field.value;
      });
    });
  });
  document.addEventListener("htmx:oobAfterSwap", () => {
    const panel = document.getElementById("actions");
    if (!saved || !panel) return;
    panel.querySelectorAll("details.action").forEach((d) => {
      if (saved.open.includes(d.dataset.action)) d.open = true;
      d.querySelectorAll("input:not([type=hidden]), select, textarea").forEach((field) => {
        const value = saved.values[`${d.dataset.action}:${field.name}`];
        if (value !== undefined && field.type !== "checkbox") field.value = value;
      });
    });
    saved = null;
  });

  // -- one submit per click ---------------------------------------------------------------
  document.addEventListener("submit", (e) => {
    const button = e.target.querySelector("button[type=submit], button:not([type])");
    if (!button) return;
    if (button.dataset.sent) { e.preventDefault(); return; }
    button.dataset.sent = "1";
    setTimeout(() => { button.disabled = true; }, 0);
  });
  // Back/forward cache: a page shown again must have its buttons back.
  window.addEventListener("pageshow", () => {
    document.querySelectorAll("button[data-sent]").forEach((b) => {
      b.disabled = false;
      delete b.dataset.sent;
    });
  });

  // -- intake: grade and level as the facts are typed (POST /api/classify) ----------------
  const intake = document.getElementById("intake");
  if (!intake) return;
  const names = JSON.parse(document.getElementById("names").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const main = document.getElementById("classify-main");
  const reasons = document.getElementById("classify-reasons");
  let timer = null;
  let seq = 0;

  function facts() {
    const data = new FormData(intake);
    const out = { condition: data.get("condition") };
    ["people_at_risk", "dead", "missing", "injured", "economic_loss_yuan"].forEach((k) => {
      const v = String(data.get(k) || "").trim();
      if (/^\d+$/.test(v)) out[k] = Number(v);
    });
    return out;
  }

  async function classify() {
    const f = facts();
    if (!f.condition) return;
    const mine = ++seq;
    try {
      const r = await fetch("/api/classify", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(f),
      });
      if (mine !== seq) return;
      const result = await r.json();
      if (!r.ok) { main.textContent = result.message || "无法定级"; reasons.replaceChildren(); return; }
      const grade = result.grade ? `${names.grades[result.grade]}事件` : "不分级";
      main.textContent = `${names.levels[result.response_level]} · ${grade}`;
      main.classList.toggle("classify-warn", result.exceeds_district_scope);
      reasons.replaceChildren(...result.reasons.map((reason) => {
        const li = document.createElement("li");
        li.textContent = `${reason.text}（${reason.clause}）`;
        return li;
      }));
    } catch (err) {
      if (mine === seq) main.textContent = "暂时无法定级（连接中断）";
    }
  }

  intake.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(classify, 200); });
  intake.addEventListener("change", () => { clearTimeout(timer); timer = setTimeout(classify, 50); });
  classify();
})();
