// Crumb's benchmark: drives headless Chromium over fresh profiles against a running crumb-server
// and measures what a shopper pays for the widget. A benchmark, never a test: it asserts nothing
// about speed; it prints a table and writes JSON. Usage (bench/run.sh does all of this for you):
//   node bench/bench.mjs --url http://127.0.0.1:8080/ [--runs 15] [--warmup 1]
//     [--conditions unthrottled,slow-4g] [--dist dist] [--out bench/results/latest.json]
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { constants as zc, brotliCompressSync, gzipSync } from "node:zlib";
import { chromium } from "playwright-core";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The files a site downloads for the widget (en-US shopper), relative to dist/. */
const WIDGET_FILES = ["crumb/loader.js", "crumb/crumb.js", "crumb/crumb_bg.wasm", "crumb/crumb.css", "crumb/i18n/en.json"];

/** The project's one list of Chromium flags, shared with the e2e harness and the screenshots. */
const CHROMIUM_ARGS = (await readFile(join(ROOT, "tests/chromium-flags.txt"), "utf8"))
  .split("\n").map((line) => line.trim()).filter((line) => line && !line.startsWith("#"));

/** Emulated slow 4G: 150 ms latency, 1.6 Mbit/s down, 750 kbit/s up (bytes per second), CPU 4x slower. */
const CONDITIONS = {
  unthrottled: { label: "unthrottled", network: null, cpuRate: 1 },
  "slow-4g": {
    label: "slow 4G (150 ms, 1.6 Mbit/s down, 750 kbit/s up) + CPU 4x slower",
    network: { offline: false, latency: 150, downloadThroughput: 1_600_000 / 8, uploadThroughput: 750_000 / 8 },
    cpuRate: 4,
  },
};

const SELECTOR_ACCEPT = "#crumb-root [data-crumb-part=banner] [data-action=accept-all]";
const WINDOW_AFTER_BANNER_MS = 1000;
const TIMEOUT_MS = 60_000;

/** Runs in every document before its own scripts; records the times in window.__crumbBench. */
const INIT_SCRIPT = `(() => {
  if (window !== window.top || window.__crumbBench) return;
  const b = window.__crumbBench = {
    bannerAt: null, longtasks: [], shifts: [], clickAt: null, storedAt: null,
    writesBeforeClick: 0, analyticsAt: null, pollFrames: 0,
  };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.longtasks.push([e.startTime, e.duration]);
    }).observe({ type: "longtask", buffered: true });
  } catch (e) { b.longtaskError = String(e); }
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) b.shifts.push([e.startTime, e.value]);
    }).observe({ type: "layout-shift", buffered: true });
  } catch (e) { b.layoutShiftError = String(e); }

  // Consent stored: the moment localStorage["crumb"] has been written after the click.
  const setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (key, value) {
    const result = setItem.apply(this, arguments);
    if (String(key) === "crumb" && this === window.localStorage) {
      if (b.clickAt === null) b.writesBeforeClick += 1;
      else if (b.storedAt === null) b.storedAt = performance.now();
    }
    return result;
  };
  window.addEventListener("click", (event) => {
    if (event.isTrusted && b.clickAt === null) b.clickAt = performance.now();
  }, true);

  // Banner visible: in the host's open shadow root, laid out, and its mount no longer hidden.
  const poll = () => {
    b.pollFrames += 1;
    const banner = document.querySelector("#crumb-root")?.shadowRoot?.querySelector("[data-crumb-part=banner]");
    if (banner && banner.getBoundingClientRect().height > 0 && !banner.closest("[hidden]")) {
      b.bannerAt = performance.now();
      return;
    }
    if (performance.now() < 60000) requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);

  // Returning visitor: the gated demo analytics script marks <html data-demo-analytics>.
  const mark = () => {
    if (b.analyticsAt === null && document.documentElement && document.documentElement.hasAttribute("data-demo-analytics")) {
      b.analyticsAt = performance.now();
    }
  };
  new MutationObserver(mark).observe(document.documentElement || document, {
    subtree: true, attributes: true, attributeFilter: ["data-demo-analytics"],
  });
})();`;

function parseArgs(argv) {
  const options = {
    url: null, runs: 15, warmup: 1, conditions: ["unthrottled", "slow-4g"],
    dist: join(ROOT, "dist"), out: join(ROOT, "bench", "results", "latest.json"),
  };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i].includes("=") ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--url": options.url = value(); break;
      case "--runs": options.runs = Number.parseInt(value(), 10); break;
      case "--warmup": options.warmup = Number.parseInt(value(), 10); break;
      case "--conditions": options.conditions = value().split(",").map((c) => c.trim()).filter(Boolean); break;
      case "--dist": options.dist = resolve(value()); break;
      case "--out": options.out = resolve(value()); break;
      case "-h": case "--help":
        console.log("usage: node bench/bench.mjs --url URL [--runs 15] [--warmup 1] [--conditions unthrottled,slow-4g] [--dist DIR] [--out FILE]");
        process.exit(0);
        break;
      default: throw new Error(`unknown argument ${flag}`);
    }
  }
  if (!options.url) throw new Error("--url is required (the served demo shop, e.g. http://127.0.0.1:8080/)");
  if (!(options.runs >= 1)) throw new Error("--runs must be a positive number");
  if (!(options.warmup >= 0)) throw new Error("--warmup must be 0 or more");
  for (const c of options.conditions) if (!CONDITIONS[c]) throw new Error(`unknown condition ${c} (known: ${Object.keys(CONDITIONS).join(", ")})`);
  return options;
}

/** Raw, gzip -9 and brotli q11 sizes of each widget file, computed from the built files. */
async function fileSizes(dist) {
  const sizes = [];
  for (const file of WIDGET_FILES) {
    const bytes = await readFile(join(dist, file));
    sizes.push({
      file,
      raw: bytes.length,
      gzip9: gzipSync(bytes, { level: 9 }).length,
      brotli11: brotliCompressSync(bytes, {
        params: {
          [zc.BROTLI_PARAM_QUALITY]: 11,
          [zc.BROTLI_PARAM_LGWIN]: 22,
          [zc.BROTLI_PARAM_SIZE_HINT]: bytes.length,
        },
      }).length,
    });
  }
  return sizes;
}

/** Records every response's encoding and the bytes Chromium received for it. */
function watchNetwork(cdp) {
  const requests = new Map();
  cdp.on("Network.requestWillBeSent", (e) => {
    requests.set(e.requestId, { url: e.request.url, method: e.request.method, start: e.timestamp });
  });
  cdp.on("Network.responseReceived", (e) => {
    const r = requests.get(e.requestId) ?? { url: e.response.url };
    const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    Object.assign(r, {
      status: e.response.status,
      protocol: e.response.protocol,
      contentEncoding: headers["content-encoding"] ?? null,
      contentLength: headers["content-length"] !== undefined ? Number(headers["content-length"]) : null,
      fromCache: Boolean(e.response.fromDiskCache || e.response.fromPrefetchCache),
    });
    requests.set(e.requestId, r);
  });
  cdp.on("Network.loadingFinished", (e) => {
    const r = requests.get(e.requestId);
    if (r) Object.assign(r, { encodedDataLength: e.encodedDataLength, ms: (e.timestamp - r.start) * 1000 });
  });
  cdp.on("Network.loadingFailed", (e) => {
    const r = requests.get(e.requestId);
    if (r) r.failed = e.errorText;
  });
  return () => [...requests.values()];
}

function widgetTransfers(requests, base) {
  const out = {};
  for (const file of WIDGET_FILES) {
    const url = new URL(file, base).href;
    const r = requests.find((q) => q.url === url && q.status !== undefined);
    out[file] = r
      ? {
        status: r.status, contentEncoding: r.contentEncoding, contentLength: r.contentLength,
        encodedDataLength: r.encodedDataLength ?? null, loadMs: r.ms ?? null,
      }
      : null;
  }
  return out;
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** One shopper: a fresh profile, first visit, Accept all, then a second visit. */
async function measureOnce(browser, url, condition) {
  const context = await browser.newContext({ locale: "en-US" });
  const console_ = [];
  try {
    await context.addInitScript({ content: INIT_SCRIPT });
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT_MS);
    page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") console_.push(`${m.type()}: ${m.text()}`); });
    page.on("pageerror", (e) => console_.push(`pageerror: ${e.message}`));
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    const requests = watchNetwork(cdp);
    if (condition.network) await cdp.send("Network.emulateNetworkConditions", condition.network);
    if (condition.cpuRate !== 1) await cdp.send("Emulation.setCPUThrottlingRate", { rate: condition.cpuRate });

    // 1. First visit: banner visible, then the blocking time and layout shift up to 1 s after it.
    await page.goto(url, { waitUntil: "commit" });
    const bannerAt = await (await page.waitForFunction(() => window.__crumbBench?.bannerAt ?? false, null, { polling: 50 })).jsonValue();
    const windowEnd = bannerAt + WINDOW_AFTER_BANNER_MS;
    // Wait a little beyond the window so long tasks running at its end are reported too.
    await page.waitForFunction((end) => performance.now() > end, windowEnd + 250, { polling: 50 });
    const first = await page.evaluate(() => window.__crumbBench);
    const tbt = first.longtasks.filter(([start]) => start < windowEnd).reduce((sum, [, d]) => sum + Math.max(0, d - 50), 0);
    const cls = first.shifts.filter(([start]) => start <= windowEnd).reduce((sum, [, v]) => sum + v, 0);

    // 2. Accept all: a real click on the banner's button (Playwright pierces the open shadow root).
    const posted = page.waitForResponse((r) => r.url().includes("/api/consent") && r.request().method() === "POST", { timeout: 20_000 })
      .then((r) => r.status()).catch(() => null);
    await page.locator(SELECTOR_ACCEPT).click();
    const stored = await (await page.waitForFunction(() => {
      const b = window.__crumbBench;
      return b.storedAt !== null && b.clickAt !== null ? { clickAt: b.clickAt, storedAt: b.storedAt } : false;
    }, null, { polling: 20 })).jsonValue();
    const afterClick = await (await page.waitForFunction(() => window.__crumbBench.analyticsAt ?? false, null, { polling: 20 })).jsonValue();
    const recordStatus = await posted;

    // 3. Returning visitor: same profile, navigate again; navigation start until the consented
    // (gated) analytics script has run.
    await page.goto(url, { waitUntil: "commit" });
    const scriptsAt = await (await page.waitForFunction(() => window.__crumbBench?.analyticsAt ?? false, null, { polling: 20 })).jsonValue();
    await sleep(100);
    const returning = await page.evaluate(() => ({ bannerAt: window.__crumbBench.bannerAt }));
    const net = requests();

    return {
      ok: true,
      bannerVisibleMs: bannerAt,
      totalBlockingTimeMs: tbt,
      cumulativeLayoutShift: cls,
      acceptToStoredMs: stored.storedAt - stored.clickAt,
      returningScriptsRanMs: scriptsAt,
      // Extra evidence, not in the table.
      acceptToScriptsRanMs: afterClick - stored.clickAt,
      longTasks: first.longtasks.length,
      layoutShifts: first.shifts.length,
      storageWritesBeforeClick: first.writesBeforeClick,
      consentRecordStatus: recordStatus,
      bannerShownOnReturn: returning.bannerAt !== null,
      transfers: widgetTransfers(net.filter((r) => !r.fromCache), url),
      console: console_,
    };
  } catch (error) {
    let evidence = null;
    try {
      const page = context.pages()[0];
      evidence = await page.evaluate(() => ({
        url: location.href,
        bench: window.__crumbBench ?? null,
        crumbRoot: Boolean(document.querySelector("#crumb-root")),
        shadowHtml: document.querySelector("#crumb-root")?.shadowRoot?.innerHTML?.slice(0, 2000) ?? null,
        crumbReady: window.Crumb?.ready ?? null,
      }));
    } catch { /* the page is gone */ }
    return { ok: false, error: String(error?.message ?? error).split("\n")[0], evidence, console: console_ };
  } finally {
    await context.close();
  }
}

function quantile(sorted, q) {
  if (sorted.length === 0) return null;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function summarize(values) {
  const sorted = values.filter((v) => typeof v === "number" && Number.isFinite(v)).sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    p75: quantile(sorted, 0.75),
    min: sorted[0] ?? null,
    max: sorted[sorted.length - 1] ?? null,
  };
}

const METRICS = [
  ["bannerVisibleMs", "banner visible (ms from navigation start)", 1],
  ["totalBlockingTimeMs", "total blocking time (ms, to banner + 1 s)", 1],
  ["cumulativeLayoutShift", "cumulative layout shift (to banner + 1 s)", 4],
  ["acceptToStoredMs", "Accept all click -> consent stored (ms)", 1],
  ["returningScriptsRanMs", "returning visitor: consented scripts ran (ms)", 1],
];

const fmtInt = (n) => (n === null || n === undefined ? "-" : n.toLocaleString("en-US"));
const fmtNum = (n, digits) => (n === null || n === undefined ? "-" : n.toFixed(digits));
const pad = (s, w) => String(s).padStart(w);

function printSizes(sizes, transfers) {
  const lines = [];
  const head = ["file", "raw", "gzip -9", "brotli 11", "served as", "body", "on wire*"];
  const widths = [22, 9, 9, 10, 10, 9, 9];
  lines.push(head.map((h, i) => (i === 0 ? h.padEnd(widths[i]) : pad(h, widths[i]))).join(" "));
  const total = { raw: 0, gzip9: 0, brotli11: 0, body: 0, wire: 0 };
  for (const s of sizes) {
    const t = transfers?.[s.file] ?? null;
    total.raw += s.raw; total.gzip9 += s.gzip9; total.brotli11 += s.brotli11;
    total.body += t?.contentLength ?? 0; total.wire += t?.encodedDataLength ?? 0;
    lines.push([
      s.file.replace(/^crumb\//, "").padEnd(widths[0]), pad(fmtInt(s.raw), widths[1]), pad(fmtInt(s.gzip9), widths[2]),
      pad(fmtInt(s.brotli11), widths[3]), pad(t ? (t.contentEncoding ?? "identity") : "not seen", widths[4]),
      pad(fmtInt(t?.contentLength), widths[5]), pad(fmtInt(t?.encodedDataLength), widths[6]),
    ].join(" "));
  }
  lines.push([
    "total".padEnd(widths[0]), pad(fmtInt(total.raw), widths[1]), pad(fmtInt(total.gzip9), widths[2]),
    pad(fmtInt(total.brotli11), widths[3]), pad("", widths[4]), pad(fmtInt(total.body), widths[5]), pad(fmtInt(total.wire), widths[6]),
  ].join(" "));
  return lines.join("\n");
}

function printCondition(name, result) {
  const lines = [`${result.label}: ${result.ok} of ${result.runs} fresh profiles measured`];
  lines.push(`${"metric".padEnd(48)}${pad("median", 9)}${pad("p75", 9)}${pad("min", 9)}${pad("max", 9)}`);
  for (const [key, label, digits] of METRICS) {
    const s = result.summary[key];
    lines.push(`${label.padEnd(48)}${pad(fmtNum(s.median, digits), 9)}${pad(fmtNum(s.p75, digits), 9)}${pad(fmtNum(s.min, digits), 9)}${pad(fmtNum(s.max, digits), 9)}`);
  }
  return lines.join("\n");
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const sizes = await fileSizes(options.dist);
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
  const startedAt = new Date();
  const report = {
    startedAt: startedAt.toISOString(),
    url: options.url,
    chromium: browser.version(),
    machine: { platform: process.platform, arch: process.arch, cpus: (await import("node:os")).cpus().length },
    runsPerCondition: options.runs,
    warmupRunsDiscarded: options.warmup,
    method: {
      profile: "a fresh Playwright browser context per run (no storage, empty cache), locale en-US",
      bannerVisible: "performance.now() in the first animation frame where the banner in #crumb-root's shadow root has a height and no [hidden] ancestor",
      totalBlockingTime: `sum of (longtask duration - 50 ms) for long tasks starting before banner visible + ${WINDOW_AFTER_BANNER_MS} ms`,
      cumulativeLayoutShift: `sum of layout-shift values without recent input up to banner visible + ${WINDOW_AFTER_BANNER_MS} ms`,
      acceptToStored: "capture-phase click listener on window -> Storage.prototype.setItem('crumb') returned",
      returningScriptsRan: "second navigation in the same profile -> <html data-demo-analytics> set by the gated demo analytics script",
    },
    sizes,
    conditions: {},
  };

  try {
    for (const name of options.conditions) {
      const condition = CONDITIONS[name];
      const runs = [];
      for (let i = 0; i < options.warmup + options.runs; i += 1) {
        const warm = i < options.warmup;
        const run = await measureOnce(browser, options.url, condition);
        const tag = warm ? "warm-up" : `run ${i - options.warmup + 1}/${options.runs}`;
        if (run.ok) {
          process.stderr.write(`  ${name} ${tag}: banner ${run.bannerVisibleMs.toFixed(1)} ms, TBT ${run.totalBlockingTimeMs.toFixed(1)} ms, ` +
            `CLS ${run.cumulativeLayoutShift.toFixed(4)}, stored ${run.acceptToStoredMs.toFixed(1)} ms, returning ${run.returningScriptsRanMs.toFixed(1)} ms\n`);
        } else {
          process.stderr.write(`  ${name} ${tag}: FAILED: ${run.error}\n`);
          if (run.evidence) process.stderr.write(`    evidence: ${JSON.stringify(run.evidence).slice(0, 1500)}\n`);
          for (const line of run.console.slice(0, 10)) process.stderr.write(`    console ${line}\n`);
        }
        if (!warm) runs.push(run);
      }
      const good = runs.filter((r) => r.ok);
      const summary = Object.fromEntries(METRICS.map(([key]) => [key, summarize(good.map((r) => r[key]))]));
      summary.acceptToScriptsRanMs = summarize(good.map((r) => r.acceptToScriptsRanMs));
      report.conditions[name] = {
        label: condition.label,
        emulation: { network: condition.network, cpuThrottlingRate: condition.cpuRate },
        runs: runs.length,
        ok: good.length,
        failed: runs.length - good.length,
        summary,
        transfers: good[0]?.transfers ?? null,
        runsDetail: runs,
      };
    }
  } finally {
    await browser.close();
  }
  report.finishedAt = new Date().toISOString();

  const firstTransfers = Object.values(report.conditions).find((c) => c.transfers)?.transfers ?? null;
  const out = [];
  out.push(`Crumb benchmark: ${options.url}  (Chromium ${report.chromium}, ${report.machine.cpus} CPUs, ` +
    `${options.runs} fresh profiles per condition, ${options.warmup} warm-up discarded)`);
  out.push("");
  out.push("Widget bytes (raw, gzip -9 and brotli q11 computed from dist/; served/body/on wire as Chromium received them)");
  out.push(printSizes(sizes, firstTransfers));
  out.push("* on wire: CDP Network.loadingFinished encodedDataLength (body + response headers)");
  for (const [name, result] of Object.entries(report.conditions)) {
    out.push("");
    out.push(printCondition(name, result));
  }
  const failures = Object.values(report.conditions).reduce((n, c) => n + c.failed, 0);
  if (failures) out.push(`\n${failures} run(s) failed; see runsDetail in the JSON for the errors and evidence.`);
  await mkdir(dirname(options.out), { recursive: true });
  await writeFile(options.out, `${JSON.stringify(report, null, 2)}\n`);
  out.push("");
  out.push(`JSON: ${options.out}`);
  console.log(out.join("\n"));
  if (failures === Object.values(report.conditions).reduce((n, c) => n + c.runs, 0)) process.exitCode = 1;
}

main().catch((error) => {
  console.error(`bench: ${error?.stack ?? error}`);
  process.exit(1);
});
