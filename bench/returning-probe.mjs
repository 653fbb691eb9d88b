// Where a returning visitor's time goes: gives one profile the demo's stored consent (Accept all),
// then opens the page in fresh profiles with only that storage (cold cache) and prints, per run,
// a timeline on the page's clock: DOMContentLoaded, when loader.js fetched the apply part (it has
// run by then), each response's start and end (Resource Timing), the apply part's instantiation,
// and when the gated demo analytics script ran. Not a benchmark (bench/run.sh is): a probe for
// finding the step that waits. Serve a built site first (bench/run.sh's way, or
// `crumb-server --site-dir dist`), then:
//   node bench/returning-probe.mjs --url http://127.0.0.1:8080/ [--runs 8] [--slow]
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const url = option("--url", "http://127.0.0.1:8080/");
const runs = Number.parseInt(option("--runs", "8"), 10);
const slow = args.includes("--slow");
const flags = (await readFile(join(ROOT, "tests/chromium-flags.txt"), "utf8"))
  .split("\n").map((line) => line.trim()).filter((line) => line && !line.startsWith("#"));

const INIT = `(() => {
  if (window !== window.top) return;
  const t = window.__probe = [];
  const mark = (what) => t.push([performance.now(), what]);
  const fetch_ = window.fetch;
  window.fetch = function (u) { mark("fetch " + String(u).split("/").pop()); return fetch_.apply(this, arguments); };
  const streaming = WebAssembly.instantiateStreaming;
  WebAssembly.instantiateStreaming = function () {
    mark("wasm instantiate");
    return streaming.apply(this, arguments).then((r) => { mark("wasm instantiated"); return r; });
  };
  document.addEventListener("DOMContentLoaded", () => mark("DOMContentLoaded"));
  new MutationObserver(() => {
    if (!window.__probeRan && document.documentElement.hasAttribute("data-demo-analytics")) {
      window.__probeRan = true;
      mark("consented script ran");
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-demo-analytics"] });
})();`;

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: flags });
try {
  const first = await browser.newContext({ locale: "en-US" });
  const page = await first.newPage();
  await page.goto(url);
  await page.waitForFunction(() => window.Crumb && window.Crumb.ready);
  await page.evaluate(() => window.Crumb.acceptCategory("all"));
  await page.waitForFunction(() => localStorage.getItem("crumb_plan") && document.documentElement.hasAttribute("data-demo-analytics"));
  const storageState = await first.storageState();
  await first.close();

  const summary = [];
  for (let run = 0; run < runs; run += 1) {
    const context = await browser.newContext({ locale: "en-US", storageState });
    await context.addInitScript({ content: INIT });
    const back = await context.newPage();
    if (slow) {
      const cdp = await context.newCDPSession(back);
      await cdp.send("Network.enable");
      await cdp.send("Network.emulateNetworkConditions",
        { offline: false, latency: 150, downloadThroughput: 200_000, uploadThroughput: 93_750 });
      await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    }
    await back.goto(url, { waitUntil: "commit" });
    await back.waitForFunction(() => window.__probeRan, null, { timeout: 30_000 });
    const seen = await back.evaluate(() => ({
      marks: window.__probe,
      resources: performance.getEntriesByType("resource").map((e) => [e.name.split("/").pop(), e.startTime, e.responseEnd]),
    }));
    const events = [
      ...seen.marks,
      ...seen.resources.flatMap(([name, start, end]) => [[start, `  request ${name}`], [end, `  response ${name}`]]),
    ].sort((a, b) => a[0] - b[0]);
    console.log(`--- run ${run + 1}`);
    for (const [at, what] of events) console.log(`${at.toFixed(0).padStart(6)} ${what}`);
    const at = (what) => seen.marks.find(([, w]) => w === what)?.[0];
    const dcl = at("DOMContentLoaded"), loader = at("fetch apply_bg.wasm"), ran = at("consented script ran");
    summary.push({ dcl, loader, ran });
  }
  const median = (xs) => { const s = xs.filter((x) => x !== undefined).sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN; };
  console.log(`\nmedians over ${runs} runs (ms): DOMContentLoaded ${median(summary.map((s) => s.dcl)).toFixed(0)}, ` +
    `loader ran ${median(summary.map((s) => s.loader)).toFixed(0)}, consented script ran ${median(summary.map((s) => s.ran)).toFixed(0)}, ` +
    `ran - DOMContentLoaded ${median(summary.map((s) => s.ran - s.dcl)).toFixed(0)}, ran - loader ${median(summary.map((s) => s.ran - s.loader)).toFixed(0)}`);
} finally {
  await browser.close();
}
