#!/usr/bin/env node
// Kiosk start time (bench/bundle.sh): how long a visitor waits, on a slow tablet, before
// she can answer the first question. Drives Debian's Chromium headless through the
// Playwright package of end2end/, with the CPU slowed down by the DevTools protocol
// (Emulation.setCPUThrottlingRate).
//
//   node bench/start-time.mjs --base http://127.0.0.1:PORT --code ENROLLMENT-CODE
//        [--loads 10] [--throttle 4] [--modes warm,cold] [--warmup 1]
//
// Enrolls the browser once (/kiosk?code=…, "Registrar"), then measures loads of /kiosk,
// each in a new tab whose CPU is throttled before navigation:
//   warm  a returning tablet: the same browser profile, so the HTTP cache, the service
//         worker and V8's code cache hold what the previous loads fetched (enrolling and
//         --warmup unmeasured loads fill them first);
//   cold  a tablet whose caches were emptied: a new profile each load, with only the
//         device token (localStorage) carried over.
// Times, all read in the page with performance.now() (0 = navigation start):
//   hydrated  `[data-screen]` gets data-hydrated="true";
//   welcome   the frame after the welcome screen shows its start button, hydrated;
//   question  from the tap on the start button (the first touch event the page sees) to
//             the frame after the first question's answer buttons are in the page;
//   tappable  welcome + question: the time to a tappable first question, without the
//             delay of the driver between seeing the button and tapping it;
//   fcp       first contentful paint (the server's HTML, before any WebAssembly): no
//             page can be tappable sooner, so it is the ceiling of the same load.
// Prints one JSON document: per mode, every load and the medians.
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "../end2end/package.json"));
const { chromium } = require("@playwright/test");

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const base = arg("base");
const code = arg("code");
const loads = Number(arg("loads", "10"));
const throttle = Number(arg("throttle", "4"));
const modes = arg("modes", "warm,cold").split(",").filter(Boolean);
const timeout = Number(arg("timeout", "60000"));
const warmup = Number(arg("warmup", "1"));
if (!base || !code) {
  console.error("usage: node bench/start-time.mjs --base URL --code ENROLLMENT-CODE [--loads N] [--throttle R] [--modes warm,cold]");
  process.exit(2);
}

// The same launch as end2end/playwright.config.ts.
const LAUNCH = {
  executablePath: "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};
const CONTEXT = { baseURL: base, hasTouch: true, locale: "es-PE", viewport: { width: 1280, height: 800 } };

// Runs in the page before its own scripts: marks the moments above as they happen.
function instrument() {
  const b = (window.__bench = {});
  const frame = (key) => requestAnimationFrame(() => (b[key] ??= performance.now()));
  const check = () => {
    const root = document.querySelector("[data-screen]");
    if (!root) return;
    const hydrated = root.getAttribute("data-hydrated") === "true";
    const screen = root.getAttribute("data-screen");
    if (hydrated && b.hydrated === undefined) b.hydrated = performance.now();
    if (hydrated && screen === "welcome" && !b.welcomeSeen && root.querySelector("button.start:not([disabled])")) {
      b.welcomeSeen = true;
      frame("welcome");
    }
    if (b.tap !== undefined && !b.questionSeen && screen === "question" && root.querySelector(".answers button")) {
      b.questionSeen = true;
      frame("question");
    }
  };
  for (const type of ["touchstart", "pointerdown", "mousedown", "click"]) {
    addEventListener(type, () => (b.tap ??= performance.now()), { capture: true });
  }
  new MutationObserver(check).observe(document, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["data-screen", "data-hydrated"],
  });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.name === "first-contentful-paint") b.fcp ??= e.startTime;
  }).observe({ type: "paint", buffered: true });
}

async function measure(context) {
  const page = await context.newPage();
  try {
    const cdp = await context.newCDPSession(page);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: throttle });
    await page.goto("/kiosk", { waitUntil: "commit", timeout });
    await page.waitForFunction(() => window.__bench?.welcome !== undefined, null, { polling: 50, timeout });
    await page.locator("button.start").tap({ timeout });
    await page.waitForFunction(() => window.__bench?.question !== undefined, null, { polling: 50, timeout });
    const b = await page.evaluate(() => {
      const wasm = performance.getEntriesByType("resource").find((r) => r.name.endsWith(".wasm"));
      return {
        ...window.__bench,
        controlled: !!navigator.serviceWorker?.controller,
        wasmTransfer: wasm ? wasm.transferSize : null,
        wasmFetchMs: wasm ? wasm.responseEnd - wasm.startTime : null,
      };
    });
    const r = (x) => Math.round(x * 10) / 10;
    return {
      fcp: r(b.fcp),
      hydrated: r(b.hydrated),
      welcome: r(b.welcome),
      question: r(b.question - b.tap),
      tappable: r(b.welcome + (b.question - b.tap)),
      service_worker: b.controlled,
      wasm_bytes_over_network: b.wasmTransfer,
      wasm_fetch_ms: b.wasmFetchMs === null ? null : r(b.wasmFetchMs),
    };
  } finally {
    await page.close();
  }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function summary(results) {
  const out = { loads: results };
  for (const k of ["fcp", "hydrated", "welcome", "question", "tappable"]) out[`median_${k}_ms`] = median(results.map((x) => x[k]));
  out.min_tappable_ms = Math.min(...results.map((x) => x.tappable));
  out.max_tappable_ms = Math.max(...results.map((x) => x.tappable));
  return out;
}

const browser = await chromium.launch(LAUNCH);
try {
  const context = await browser.newContext(CONTEXT);
  await context.addInitScript(instrument);
  // Enroll this browser: the kiosk shows its welcome screen only on an enrolled tablet.
  const page = await context.newPage();
  await page.goto(`/kiosk?code=${encodeURIComponent(code)}`);
  await page.locator("[data-screen='enroll'][data-hydrated='true']").waitFor({ timeout });
  await page.locator(".enroll-form button[type='submit']").tap();
  await page.locator("[data-screen='welcome']").waitFor({ timeout });
  // The service worker installs in the background: let it take control before measuring.
  await page.evaluate(() => navigator.serviceWorker?.ready);
  const storage = await context.storageState();
  await page.close();

  const report = { throttle, loads };
  if (modes.includes("warm")) {
    // Fills the caches, as on a tablet that has run before (enrolling filled most already).
    for (let i = 0; i < warmup; i++) await measure(context);
    const results = [];
    for (let i = 0; i < loads; i++) results.push(await measure(context));
    report.warm = summary(results);
  }
  await context.close();
  if (modes.includes("cold")) {
    const results = [];
    for (let i = 0; i < loads; i++) {
      const fresh = await browser.newContext({ ...CONTEXT, storageState: storage });
      await fresh.addInitScript(instrument);
      results.push(await measure(fresh));
      await fresh.close();
    }
    report.cold = summary(results);
  }
  console.log(JSON.stringify(report, null, 2));
} finally {
  await browser.close();
}
