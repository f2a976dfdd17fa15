// Fang'an alert: when a new alert shows up (a countdown turns red, an alert event arrives on the
// timeline, or another script dispatches "fangan:alert"), the tab title flashes and, unless
// muted, a short beep is generated with WebAudio (no audio file is fetched). The mute choice is
// remembered in localStorage.
"use strict";

(function () {
  const KEY = "fangan.alert.muted";
  const ALERT_EVENTS = ".ev-alert_overdue, .ev-alert_resend, .ev-alert_reminder";
  const title = document.title;
  const state = { alerts: 0, beeps: 0 }; // read by the browser tests
  window.fanganAlert = state;
  let seen = null;
  let flashing = null;
  let audio = null;

  function muted() { return localStorage.getItem(KEY) === "1"; }

  // What counts as "an alert on this page": late countdowns and alert events, by identity.
  function current() {
    const keys = new Set();
    document.querySelectorAll(".countdown.cd-late[data-due]").forEach((el) => {
      keys.add(`late:${el.dataset.due}`);
    });
    document.querySelectorAll(ALERT_EVENTS).forEach((el) => {
      keys.add(`ev:${el.textContent.replace(/\s+/g, " ").trim()}`);
    });
    return keys;
  }

  function beep() {
    if (muted()) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
      [0, 0.35].forEach((start) => {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.type = "square";
        osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.12, audio.currentTime + start);
        gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + start + 0.25);
        osc.connect(gain).connect(audio.destination);
        osc.start(audio.currentTime + start);
        osc.stop(audio.currentTime + start + 0.26);
      });
      state.beeps += 1;
    } catch (err) {
      // No audio device: the title still flashes.
    }
  }

  function flashTitle() {
    if (flashing) return;
    let on = false;
    flashing = setInterval(() => {
      on = !on;
      document.title = on ? `【告警】${title}` : title;
    }, 800);
    document.title = `【告警】${title}`;
  }

  function stopFlashing() {
    if (!flashing) return;
    clearInterval(flashing);
    flashing = null;
    document.title = title;
  }

  function alert() {
    state.alerts += 1;
    document.body.dataset.alerts = String(state.alerts);
    flashTitle();
    beep();
  }

  function check() {
    const now = current();
    if (seen !== null && [...now].some((k) => !seen.has(k))) alert();
    seen = now;
  }

  // Looking at the page (a click, a key) is taking notice: the title stops flashing.
  ["click", "keydown"].forEach((type) => document.addEventListener(type, stopFlashing));
  document.addEventListener("fangan:alert", alert);
  document.addEventListener("htmx:afterSettle", () => setTimeout(check, 0));
  setInterval(check, 1000);
  setTimeout(check, 0); // what is late already when the page opens is the baseline

  // -- the mute toggle, in the top bar -------------------------------------------------
  const nav = document.querySelector(".top .nav");
  if (!nav) return;
  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "alert-toggle";
  function show() {
    toggle.setAttribute("aria-pressed", String(muted()));
    const [long, short] = muted() ? ["告警声：关", "静音"] : ["告警声：开", "有声"];
    toggle.innerHTML = `<span class="alert-long">${long}</span><span class="alert-short">${short}</span>`;
    toggle.title = muted() ? "点击打开告警提示音" : "点击关闭告警提示音（标题仍会闪烁）";
  }
  toggle.addEventListener("click", (e) => {
    e.stopPropagation();
    localStorage.setItem(KEY, muted() ? "0" : "1");
    show();
    if (!muted()) beep(); // a click is the gesture browsers need before they play sound
  });
  show();
  nav.prepend(toggle);
})();
