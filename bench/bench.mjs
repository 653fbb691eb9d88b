// Crumb's benchmark: drives headless Chromium over fresh profiles against a running crumb-server
// and measures what a shopper pays for the widget, side by side with a reference JavaScript banner
// (orestbida vanilla-cookieconsent 3.1 on the same host page, built by bench/reference/build.mjs).
// A benchmark, never a test: it asserts nothing about speed; it prints a table and writes JSON.
// Usage (bench/run.sh does all of this for you):
//   node bench/bench.mjs --url http://127.0.0.1:8080/ [--runs 15] [--warmup 1]
//     [--conditions unthrottled,slow-4g] [--pages crumb,reference] [--dist DIR]
//     [--out bench/results/latest.json]
import { readdir, mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { constants as zc, brotliCompressSync, gzipSync } from "node:zlib";
import { chromium } from "playwright-core";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);

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

const REFERENCE_VERSION = (() => {
  try { return require("vanilla-cookieconsent/package.json").version; } catch { return "?"; }
})();

/**
 * The pages measured, each with how to find its banner, buttons and dialog, where its consent is
 * stored, and which responses are the banner's own files (the host page's HTML, CSS and images are
 * the same on both pages and never counted).
 */
const PAGES = {
  crumb: {
    label: "Crumb",
    path: "./",
    // Checks run in the page (strings: they go into the init script).
    bannerFind: `document.querySelector("#crumb-root")?.shadowRoot?.querySelector("[data-crumb-part=banner]")`,
    // As before: laid out, and its mount no longer hidden (it stays hidden until crumb.css loads).
    bannerVisible: `(el) => el.getBoundingClientRect().height > 0 && !el.closest("[hidden]")`,
    // The widget's own banner, not the one loader.js painted ahead of time from a prepaint (its
    // buttons only take note of a click until the widget takes over).
    bannerInteractive: `(el) => !el.closest("[data-crumb-prepaint]")`,
    dialogFind: `document.querySelector("#crumb-root")?.shadowRoot?.querySelector("[data-crumb-part=preferences]")`,
    customizeMatch: "[data-crumb-part=banner] [data-action=customize]",
    acceptMatch: "[data-crumb-part=banner] [data-action=accept-all]",
    customize: "#crumb-root [data-crumb-part=banner] [data-action=customize]",
    accept: "#crumb-root [data-crumb-part=banner] [data-action=accept-all]",
    storage: { kind: "localStorage", key: "crumb" },
    consentPost: (url, method) => method === "POST" && new URL(url).pathname === "/api/consent",
    /** The widget's files: everything under /crumb/, plus the config and the prepaint when the loader fetches them. */
    isWidget: (url, type, extra) => {
      const path = new URL(url).pathname;
      return type !== "Document" && (path.startsWith("/crumb/") || (extra.configPath !== null && path === extra.configPath) ||
        (extra.prepaintPath !== null && path === extra.prepaintPath));
    },
    extra: `(() => { const path = (name) => { const tag = document.querySelector("script[src*='/crumb/'][" + name + "]");
        return tag ? new URL(tag.getAttribute(name), location.href).pathname : null; };
      return { configPath: path("data-config"), prepaintPath: path("data-prepaint") }; })()`,
  },
  reference: {
    label: `orestbida vanilla-cookieconsent ${REFERENCE_VERSION}`,
    path: "reference/",
    bannerFind: `document.querySelector("#cc-main .cm")`,
    // Shown with a class on <html>, then faded in (opacity and visibility transition): visible from
    // the first frame where it is styled (its CSS loads deferred; unstyled it would be static),
    // laid out, not visibility:hidden and not fully transparent.
    bannerVisible: `(el) => getComputedStyle(el).position === "fixed" && el.getBoundingClientRect().height > 0 &&
      el.checkVisibility({ opacityProperty: true, visibilityProperty: true })`,
    bannerInteractive: `() => true`,
    dialogFind: `document.querySelector("#cc-main .pm")`,
    customizeMatch: "#cc-main .cm [data-role=show]",
    acceptMatch: "#cc-main .cm [data-role=all]",
    customize: "#cc-main .cm [data-role=show]",
    accept: "#cc-main .cm [data-role=all]",
    storage: { kind: "cookie", key: "cc_cookie" },
    consentPost: () => false,
    /** The banner's files: everything under /reference/ but the page itself (js, css, init). */
    isWidget: (url, type) => type !== "Document" && new URL(url).pathname.startsWith("/reference/"),
    extra: "({})",
  },
};

const WINDOW_AFTER_BANNER_MS = 1000;
const RETURN_SETTLE_MS = 1000;
const TIMEOUT_MS = 60_000;

/** Runs in every document before its own scripts; records the times in window.__crumbBench. */
function initScript(page) {
  return `(() => {
  if (window !== window.top || window.__crumbBench) return;
  const b = window.__crumbBench = {
    bannerAt: null, bannerInteractiveAt: null, bannerMountedAt: null, longtasks: [], shifts: [], acceptClickAt: null, storedAt: null,
    writesBeforeClick: 0, analyticsAt: null, pollFrames: 0,
    customizeClickAt: null, customizeEventAt: null, dialogAt: null,
  };
  const findBanner = () => ${page.bannerFind};
  const bannerVisible = ${page.bannerVisible};
  const bannerInteractive = ${page.bannerInteractive};
  const findDialog = () => ${page.dialogFind};
  const dialogVisible = (el) => el.getBoundingClientRect().height > 0 &&
    el.checkVisibility({ opacityProperty: true, visibilityProperty: true }) && !el.closest("[hidden]");
  window.__benchProbe = {
    banner: () => { const el = findBanner(); return Boolean(el && bannerVisible(el)); },
    dialog: () => { const el = findDialog(); return Boolean(el && dialogVisible(el)); },
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

  // Consent stored: the moment the banner's own storage has been written after the Accept click.
  const storage = ${JSON.stringify(page.storage)};
  const wrote = () => {
    if (b.acceptClickAt === null) b.writesBeforeClick += 1;
    else if (b.storedAt === null) b.storedAt = performance.now();
  };
  if (storage.kind === "localStorage") {
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (key, value) {
      const result = setItem.apply(this, arguments);
      if (String(key) === storage.key && this === window.localStorage) wrote();
      return result;
    };
  } else {
    const cookie = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
    Object.defineProperty(document, "cookie", {
      configurable: true,
      get() { return cookie.get.call(this); },
      set(value) {
        cookie.set.call(this, value);
        if (String(value).startsWith(storage.key + "=")) wrote();
      },
    });
  }

  // The clicks: capture phase on window, so it runs before the widget's own handlers.
  const hits = (event, selector) => event.composedPath().some((n) => n instanceof Element && n.matches(selector));
  window.addEventListener("click", (event) => {
    if (!event.isTrusted) return;
    if (b.acceptClickAt === null && hits(event, ${JSON.stringify(page.acceptMatch)})) b.acceptClickAt = performance.now();
    if (b.customizeClickAt === null && hits(event, ${JSON.stringify(page.customizeMatch)})) {
      b.customizeClickAt = performance.now();
      b.customizeEventAt = event.timeStamp;
      const wait = () => {
        const el = findDialog();
        if (el && dialogVisible(el)) { b.dialogAt = performance.now(); return; }
        if (performance.now() - b.customizeClickAt < 60000) requestAnimationFrame(wait);
      };
      requestAnimationFrame(wait);
    }
  }, true);

  // Banner visible: checked once per animation frame.
  const poll = () => {
    b.pollFrames += 1;
    const el = findBanner();
    if (el && b.bannerMountedAt === null) b.bannerMountedAt = performance.now();
    if (el && bannerVisible(el)) {
      if (b.bannerAt === null) b.bannerAt = performance.now();
      if (bannerInteractive(el)) {
        b.bannerInteractiveAt = performance.now();
        return;
      }
    }
    if (performance.now() < 60000) requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);

  // Consented scripts: the gated demo analytics script marks <html data-demo-analytics>.
  const mark = () => {
    if (b.analyticsAt === null && document.documentElement && document.documentElement.hasAttribute("data-demo-analytics")) {
      b.analyticsAt = performance.now();
    }
  };
  new MutationObserver(mark).observe(document.documentElement || document, {
    subtree: true, attributes: true, attributeFilter: ["data-demo-analytics"],
  });
})();`;
}

function parseArgs(argv) {
  const options = {
    url: null, runs: 15, warmup: 1, conditions: ["unthrottled", "slow-4g"], pages: ["crumb", "reference"],
    dist: join(ROOT, "dist"), out: join(ROOT, "bench", "results", "latest.json"),
  };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i].includes("=") ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const list = () => value().split(",").map((c) => c.trim()).filter(Boolean);
    switch (flag) {
      case "--url": options.url = value(); break;
      case "--runs": options.runs = Number.parseInt(value(), 10); break;
      case "--warmup": options.warmup = Number.parseInt(value(), 10); break;
      case "--conditions": options.conditions = list(); break;
      case "--pages": options.pages = list(); break;
      case "--dist": options.dist = resolve(value()); break;
      case "--out": options.out = resolve(value()); break;
      case "-h": case "--help":
        console.log("usage: node bench/bench.mjs --url URL [--runs 15] [--warmup 1] [--conditions unthrottled,slow-4g] " +
          "[--pages crumb,reference] [--dist DIR] [--out FILE]\n  --dist: the folder served (bench/run.sh: dist/ plus reference/)");
        process.exit(0);
        break;
      default: throw new Error(`unknown argument ${flag}`);
    }
  }
  if (!options.url) throw new Error("--url is required (the served demo shop, e.g. http://127.0.0.1:8080/)");
  if (!(options.runs >= 1)) throw new Error("--runs must be a positive number");
  if (!(options.warmup >= 0)) throw new Error("--warmup must be 0 or more");
  for (const c of options.conditions) if (!CONDITIONS[c]) throw new Error(`unknown condition ${c} (known: ${Object.keys(CONDITIONS).join(", ")})`);
  for (const p of options.pages) if (!PAGES[p]) throw new Error(`unknown page ${p} (known: ${Object.keys(PAGES).join(", ")})`);
  if (options.pages.length === 0 || options.conditions.length === 0) throw new Error("--pages and --conditions need at least one entry");
  return options;
}

async function walk(dir) {
  let entries;
  try { entries = await readdir(dir, { withFileTypes: true }); } catch { return []; }
  const files = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) files.push(...await walk(path));
    else if (e.isFile()) files.push(path);
  }
  return files.sort();
}

/**
 * The parts each page can download, found by globbing (the widget's file names change as it is
 * split): every .js/.wasm/.css under crumb/ plus crumb/i18n/en.json (the en-US shopper's
 * language); every .js/.css under reference/. Paths relative to the served folder.
 */
async function partFiles(dist) {
  const pick = async (folder, keep) => (await walk(join(dist, folder)))
    .map((p) => relative(dist, p).split(sep).join("/")).filter(keep);
  return {
    crumb: [...await pick("crumb", (f) => /\.(js|wasm|css)$/.test(f) || f === "crumb/i18n/en.json"),
      ...await pick("demo", (f) => f === "demo/prepaint.json")],
    reference: await pick("reference", (f) => /\.(js|css)$/.test(f)),
  };
}

/** Raw, gzip -9 and brotli q11 sizes of each file, computed from the served folder. */
async function fileSizes(dist, files) {
  const sizes = [];
  for (const file of files) {
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

/** Records every request: its type, encoding, and the bytes Chromium received for it. */
function watchNetwork(cdp) {
  const requests = new Map();
  cdp.on("Network.requestWillBeSent", (e) => {
    const previous = requests.get(e.requestId);
    // A redirect reuses the request id: keep the hop that was finished as its own record.
    if (previous && e.redirectResponse) requests.set(`${e.requestId}#${requests.size}`, previous);
    requests.set(e.requestId, {
      url: e.request.url, method: e.request.method, type: e.type ?? null,
      start: e.timestamp, wallStart: e.wallTime,
    });
  });
  cdp.on("Network.responseReceived", (e) => {
    const r = requests.get(e.requestId) ?? { url: e.response.url };
    const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    Object.assign(r, {
      type: r.type ?? e.type ?? null,
      status: e.response.status,
      protocol: e.response.protocol,
      contentEncoding: headers["content-encoding"] ?? null,
      contentLength: headers["content-length"] !== undefined ? Number(headers["content-length"]) : null,
      headerBytes: e.response.encodedDataLength ?? null,
      fromCache: Boolean(e.response.fromDiskCache || e.response.fromPrefetchCache || e.response.fromMemoryCache),
    });
    requests.set(e.requestId, r);
  });
  cdp.on("Network.requestServedFromCache", (e) => {
    const r = requests.get(e.requestId);
    if (r) r.fromCache = true;
  });
  cdp.on("Network.loadingFinished", (e) => {
    const r = requests.get(e.requestId);
    if (r) Object.assign(r, { encodedDataLength: e.encodedDataLength, end: e.timestamp });
  });
  cdp.on("Network.loadingFailed", (e) => {
    const r = requests.get(e.requestId);
    if (r) Object.assign(r, { failed: e.errorText, end: e.timestamp });
  });
  return () => [...requests.values()];
}

/**
 * The page's clock for each request: Resource Timing's responseEnd where the page has an entry
 * (matched by URL, in order), else CDP's finish time moved onto the page's clock through the
 * request's wall time (CDP timestamps are monotonic seconds; performance.timeOrigin is epoch ms).
 */
async function pageTimes(page) {
  return page.evaluate(() => ({
    timeOrigin: performance.timeOrigin,
    resources: performance.getEntriesByType("resource").map((e) => ({
      name: e.name, startTime: e.startTime, responseEnd: e.responseEnd, encodedBodySize: e.encodedBodySize,
    })),
    domContentLoaded: performance.getEntriesByType("navigation")[0]?.domContentLoadedEventStart ?? null,
  }));
}

/** The banner's own responses of one visit, each with its bytes and its finish time on the page's clock. */
function widgetResponses(requests, times, def, extra) {
  const entries = new Map();
  for (const e of times.resources) {
    if (!entries.has(e.name)) entries.set(e.name, []);
    entries.get(e.name).push(e);
  }
  const out = [];
  for (const r of [...requests].sort((a, b) => a.start - b.start)) {
    if (r.status === undefined || r.fromCache || r.failed || r.end === undefined) continue;
    if (!def.isWidget(r.url, r.type, extra)) continue;
    const rt = entries.get(r.url)?.shift() ?? null;
    const cdpEnd = r.wallStart !== undefined ? (r.wallStart + (r.end - r.start)) * 1000 - times.timeOrigin : null;
    const body = r.contentLength ?? (r.headerBytes !== null ? r.encodedDataLength - r.headerBytes : null);
    out.push({
      path: new URL(r.url).pathname,
      status: r.status,
      contentEncoding: r.contentEncoding,
      bodyBytes: body,
      wireBytes: r.encodedDataLength,
      startedMs: rt ? rt.startTime : null,
      finishedMs: rt ? rt.responseEnd : cdpEnd,
      finishedClock: rt ? "resource-timing" : "cdp",
    });
  }
  return out;
}

function bytesUntil(responses, ms) {
  const counted = responses.filter((r) => r.finishedMs !== null && r.finishedMs <= ms);
  return {
    files: counted.length,
    body: counted.reduce((n, r) => n + (r.bodyBytes ?? 0), 0),
    wire: counted.reduce((n, r) => n + (r.wireBytes ?? 0), 0),
  };
}

function bytesAll(responses) {
  return bytesUntil(responses, Number.POSITIVE_INFINITY);
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

async function openPage(browser, def, condition, storageState) {
  const context = await browser.newContext({ locale: "en-US", ...(storageState ? { storageState } : {}) });
  const console_ = [];
  await context.addInitScript({ content: initScript(def) });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") console_.push(`${m.type()}: ${m.text()}`); });
  page.on("pageerror", (e) => console_.push(`pageerror: ${e.message}`));
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  const requests = watchNetwork(cdp);
  if (condition.network) await cdp.send("Network.emulateNetworkConditions", condition.network);
  if (condition.cpuRate !== 1) await cdp.send("Emulation.setCPUThrottlingRate", { rate: condition.cpuRate });
  return { context, page, requests, console: console_ };
}

async function evidence(page) {
  try {
    return await page.evaluate(() => ({
      url: location.href,
      bench: window.__crumbBench ?? null,
      crumbRoot: Boolean(document.querySelector("#crumb-root")),
      shadowHtml: document.querySelector("#crumb-root")?.shadowRoot?.innerHTML?.slice(0, 2000) ?? null,
      crumbReady: window.Crumb?.ready ?? null,
      ccMain: document.querySelector("#cc-main")?.outerHTML?.slice(0, 2000) ?? null,
      htmlClass: document.documentElement.className,
    }));
  } catch { return null; /* the page is gone */ }
}

/**
 * One shopper on one page: a fresh profile, first visit (banner, Customize -> dialog, close it,
 * Accept all in the banner), a second visit in the same profile (warm cache), then a returning
 * visit in a new profile that has only the first one's cookies and localStorage (cold cache).
 */
async function measureOnce(browser, baseUrl, pageName, condition) {
  const def = PAGES[pageName];
  const url = new URL(def.path, baseUrl).href;
  const first = await openPage(browser, def, condition, null);
  let returning = null;
  const consoleAll = first.console;
  let stage = "first visit";
  try {
    const { page, requests } = first;
    // 1. First visit: banner visible, then working (the widget's own, for a painted one), then the
    // blocking time and layout shift up to 1 s after it works.
    await page.goto(url, { waitUntil: "commit" });
    const bannerAt = await (await page.waitForFunction(() => window.__crumbBench?.bannerAt ?? false, null, { polling: 50 })).jsonValue();
    const interactiveAt = await (await page.waitForFunction(() => window.__crumbBench?.bannerInteractiveAt ?? false, null, { polling: 50 })).jsonValue();
    const windowEnd = interactiveAt + WINDOW_AFTER_BANNER_MS;
    // Wait a little beyond the window so long tasks running at its end are reported too.
    await page.waitForFunction((end) => performance.now() > end, windowEnd + 250, { polling: 50 });
    const firstState = await page.evaluate(() => window.__crumbBench);
    const tbt = firstState.longtasks.filter(([start]) => start < windowEnd).reduce((sum, [, d]) => sum + Math.max(0, d - 50), 0);
    const cls = firstState.shifts.filter(([start]) => start <= windowEnd).reduce((sum, [, v]) => sum + v, 0);
    const extra = await page.evaluate(def.extra);

    // 2. Customize -> preference dialog visible (a real click; the dialog may be fetched on demand),
    // then Escape closes it and the banner is back.
    stage = "customize";
    await page.locator(def.customize).click();
    const dialog = await (await page.waitForFunction(() => {
      const b = window.__crumbBench;
      return b.dialogAt !== null ? { dialogAt: b.dialogAt, clickAt: b.customizeClickAt, eventAt: b.customizeEventAt } : false;
    }, null, { polling: 20 })).jsonValue();
    await page.keyboard.press("Escape");
    await page.waitForFunction(() => !window.__benchProbe.dialog() && window.__benchProbe.banner(), null, { polling: 20 });

    // 3. Accept all in the banner: a real click (Playwright pierces the open shadow root).
    stage = "accept all";
    const posted = page.waitForResponse((r) => def.consentPost(r.url(), r.request().method()), { timeout: 20_000 })
      .then((r) => r.status()).catch(() => null);
    await page.locator(def.accept).click();
    const stored = await (await page.waitForFunction(() => {
      const b = window.__crumbBench;
      return b.storedAt !== null && b.acceptClickAt !== null ? { clickAt: b.acceptClickAt, storedAt: b.storedAt } : false;
    }, null, { polling: 20 })).jsonValue();
    const afterClick = await (await page.waitForFunction(() => window.__crumbBench.analyticsAt ?? false, null, { polling: 20 })).jsonValue();
    const recordStatus = pageName === "crumb" ? await posted : null;
    const firstResponses = widgetResponses(requests(), await pageTimes(page), def, extra);

    // 4. Second visit in the same profile (warm cache): navigation start -> consented scripts ran.
    stage = "second visit (warm)";
    await page.goto(url, { waitUntil: "commit" });
    const warmScriptsAt = await (await page.waitForFunction(() => window.__crumbBench?.analyticsAt ?? false, null, { polling: 20 })).jsonValue();
    const storageState = await first.context.storageState();

    // 5. Returning visit, cold cache: a new profile with only the stored choice (cookies and
    // localStorage), so every widget file comes over the network again.
    stage = "returning visit (cold)";
    returning = await openPage(browser, def, condition, storageState);
    const back = returning.page;
    await back.goto(url, { waitUntil: "commit" });
    const scriptsAt = await (await back.waitForFunction(() => window.__crumbBench?.analyticsAt ?? false, null, { polling: 20 })).jsonValue();
    await sleep(RETURN_SETTLE_MS);
    const backTimes = await pageTimes(back);
    const backState = await back.evaluate(() => ({ bannerAt: window.__crumbBench.bannerAt, bannerMountedAt: window.__crumbBench.bannerMountedAt }));
    const backExtra = await back.evaluate(def.extra);
    const backResponses = widgetResponses(returning.requests(), backTimes, def, backExtra);
    consoleAll.push(...returning.console.map((line) => `returning: ${line}`));

    return {
      ok: true,
      bannerVisibleMs: bannerAt,
      bytesBeforeBanner: bytesUntil(firstResponses, bannerAt).body,
      bannerInteractiveMs: interactiveAt,
      bannerInertMs: interactiveAt - bannerAt,
      bytesBeforeInteractive: bytesUntil(firstResponses, interactiveAt).body,
      totalBlockingTimeMs: tbt,
      cumulativeLayoutShift: cls,
      customizeToDialogMs: dialog.dialogAt - dialog.eventAt,
      acceptToStoredMs: stored.storedAt - stored.clickAt,
      returningBytesBeforeScripts: bytesUntil(backResponses, scriptsAt).body,
      returningColdScriptsRanMs: scriptsAt,
      returningColdScriptsAfterDclMs: backTimes.domContentLoaded !== null ? scriptsAt - backTimes.domContentLoaded : null,
      returningScriptsRanMs: warmScriptsAt,
      // Extra evidence, not in the table.
      bytes: {
        firstBeforeBanner: bytesUntil(firstResponses, bannerAt),
        firstWholeVisit: bytesAll(firstResponses),
        returningBeforeScripts: bytesUntil(backResponses, scriptsAt),
        returningWholeVisit: bytesAll(backResponses),
      },
      bannerMountedMs: firstState.bannerMountedAt,
      customizeListenerToDialogMs: dialog.dialogAt - dialog.clickAt,
      acceptToScriptsRanMs: afterClick - stored.clickAt,
      returningDomContentLoadedMs: backTimes.domContentLoaded,
      longTasks: firstState.longtasks.length,
      layoutShifts: firstState.shifts.length,
      storageWritesBeforeClick: firstState.writesBeforeClick,
      consentRecordStatus: recordStatus,
      bannerShownOnReturn: backState.bannerAt !== null,
      responses: { first: firstResponses, returning: backResponses },
      console: consoleAll,
    };
  } catch (error) {
    const where = returning ? returning.page : first.page;
    return {
      ok: false, stage, error: String(error?.message ?? error).split("\n")[0],
      evidence: await evidence(where), console: consoleAll,
    };
  } finally {
    await first.context.close();
    if (returning) await returning.context.close();
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
  ["bytesBeforeBanner", "bytes before banner (body, as served)", 0],
  ["bannerVisibleMs", "banner visible (ms from navigation start)", 1],
  ["bytesBeforeInteractive", "bytes before the banner works (body, as served)", 0],
  ["bannerInteractiveMs", "banner works (ms; a prepaint until then takes note)", 1],
  ["bannerInertMs", "painted but not yet working (ms)", 1],
  ["totalBlockingTimeMs", "total blocking time (ms, to banner works + 1 s)", 1],
  ["cumulativeLayoutShift", "cumulative layout shift (to banner works + 1 s)", 4],
  ["customizeToDialogMs", "Customize click -> dialog visible (ms)", 1],
  ["acceptToStoredMs", "Accept all click -> consent stored (ms)", 1],
  ["returningBytesBeforeScripts", "returning, cold: bytes before consented scripts", 0],
  ["returningColdScriptsRanMs", "returning, cold: consented scripts ran (ms)", 1],
  ["returningColdScriptsAfterDclMs", "returning, cold: scripts ran - DOMContentLoaded", 1],
  ["returningScriptsRanMs", "returning, warm cache: consented scripts ran (ms)", 1],
];
const EXTRA_METRICS = [
  "bannerMountedMs", "customizeListenerToDialogMs", "acceptToScriptsRanMs", "returningDomContentLoadedMs",
];

const fmtInt = (n) => (n === null || n === undefined ? "-" : Math.round(n).toLocaleString("en-US"));
const fmtNum = (n, digits) => (n === null || n === undefined ? "-" : digits === 0 ? fmtInt(n) : n.toFixed(digits));
const pad = (s, w) => String(s).padStart(w);

/** Per-part bytes: computed sizes, plus how the first good run received each file. */
function printSizes(sizes, responses) {
  const lines = [];
  const head = ["file", "raw", "gzip -9", "brotli 11", "served as", "body", "on wire*"];
  const widths = [34, 9, 9, 10, 10, 9, 9];
  lines.push(head.map((h, i) => (i === 0 ? h.padEnd(widths[i]) : pad(h, widths[i]))).join(" "));
  const total = { raw: 0, gzip9: 0, brotli11: 0, body: 0, wire: 0 };
  for (const s of sizes) {
    const t = responses?.find((r) => r.path === `/${s.file}`) ?? null;
    total.raw += s.raw; total.gzip9 += s.gzip9; total.brotli11 += s.brotli11;
    total.body += t?.bodyBytes ?? 0; total.wire += t?.wireBytes ?? 0;
    lines.push([
      s.file.padEnd(widths[0]), pad(fmtInt(s.raw), widths[1]), pad(fmtInt(s.gzip9), widths[2]),
      pad(fmtInt(s.brotli11), widths[3]), pad(t ? (t.contentEncoding ?? "identity") : "not fetched", widths[4]),
      pad(fmtInt(t?.bodyBytes), widths[5]), pad(fmtInt(t?.wireBytes), widths[6]),
    ].join(" "));
  }
  lines.push([
    "total".padEnd(widths[0]), pad(fmtInt(total.raw), widths[1]), pad(fmtInt(total.gzip9), widths[2]),
    pad(fmtInt(total.brotli11), widths[3]), pad("", widths[4]), pad(fmtInt(total.body), widths[5]), pad(fmtInt(total.wire), widths[6]),
  ].join(" "));
  return lines.join("\n");
}

/** The side-by-side table: one row per page and condition (medians unless said). */
function printComparison(report) {
  const cols = [
    ["page", 40], ["condition", 12], ["before banner B (wire)", 23], ["banner ms med", 14], ["p75", 8], ["works ms", 9], ["TBT ms", 8], ["CLS", 7],
    ["Customize->dialog ms", 21], ["return B", 9], ["scripts ms", 11], ["after DCL", 10], ["fetched B", 10],
  ];
  const lines = [cols.map(([h, w], i) => (i < 2 ? h.padEnd(w) : pad(h, w))).join(" ")];
  for (const [condName, cond] of Object.entries(report.conditions)) {
    for (const [pageName, result] of Object.entries(cond.pages)) {
      const s = result.summary;
      const cells = [
        report.pages[pageName].label, condName, `${fmtInt(s.bytesBeforeBanner.median)} (${fmtInt(s.wireBytesBeforeBanner.median)})`,
        fmtNum(s.bannerVisibleMs.median, 1), fmtNum(s.bannerVisibleMs.p75, 1), fmtNum(s.bannerInteractiveMs.median, 1),
        fmtNum(s.totalBlockingTimeMs.median, 1),
        fmtNum(s.cumulativeLayoutShift.median, 4), fmtNum(s.customizeToDialogMs.median, 1),
        fmtInt(s.returningBytesBeforeScripts.median), fmtNum(s.returningColdScriptsRanMs.median, 1),
        fmtNum(s.returningColdScriptsAfterDclMs.median, 1), fmtInt(s.firstWholeVisitBytes.median),
      ];
      lines.push(cells.map((c, i) => (i < 2 ? String(c).padEnd(cols[i][1]) : pad(c, cols[i][1]))).join(" "));
    }
  }
  return lines.join("\n");
}

function printCondition(condName, pageLabel, result) {
  const lines = [`${pageLabel}, ${result.label}: ${result.ok} of ${result.runs} fresh profiles measured`];
  lines.push(`${"metric".padEnd(52)}${pad("median", 9)}${pad("p75", 9)}${pad("min", 9)}${pad("max", 9)}`);
  for (const [key, label, digits] of METRICS) {
    const s = result.summary[key];
    lines.push(`${label.padEnd(52)}${pad(fmtNum(s.median, digits), 9)}${pad(fmtNum(s.p75, digits), 9)}${pad(fmtNum(s.min, digits), 9)}${pad(fmtNum(s.max, digits), 9)}`);
  }
  return lines.join("\n");
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const parts = await partFiles(options.dist);
  const sizes = {
    crumb: await fileSizes(options.dist, parts.crumb),
    reference: await fileSizes(options.dist, parts.reference),
  };
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
  const startedAt = new Date();
  const report = {
    startedAt: startedAt.toISOString(),
    url: options.url,
    chromium: browser.version(),
    machine: { platform: process.platform, arch: process.arch, cpus: (await import("node:os")).cpus().length },
    runsPerCondition: options.runs,
    warmupRunsDiscarded: options.warmup,
    pages: Object.fromEntries(options.pages.map((p) => [p, { label: PAGES[p].label, path: PAGES[p].path }])),
    method: {
      order: "per condition, runs interleaved page by page (crumb, reference, crumb, reference, ...), so machine noise hits both alike",
      profile: "a fresh Playwright browser context per run (no storage, empty cache), locale en-US",
      bannerVisible: "performance.now() in the first animation frame where the banner is visible: Crumb, [data-crumb-part=banner] in #crumb-root's shadow root with a height and no [hidden] ancestor; reference, #cc-main .cm styled (position fixed: its CSS has applied), with a height and checkVisibility({opacityProperty, visibilityProperty}) (its fade-in has started)",
      bytesBeforeBanner: "sum over the banner's own responses (Crumb: everything under /crumb/ plus a fetched config and prepaint; reference: everything under /reference/ but the page) that finished before banner visible (Resource Timing responseEnd): body bytes as served (Content-Length of the brotli body); wire bytes (CDP encodedDataLength, headers included) in the JSON",
      bannerInteractive: "the first animation frame where the banner is the widget's own: Crumb, no [data-crumb-prepaint] ancestor (the banner loader.js paints from a prepaint only takes note of a click until the widget replaces it); reference, the same frame as visible",
      totalBlockingTime: `sum of (longtask duration - 50 ms) for long tasks starting before banner works + ${WINDOW_AFTER_BANNER_MS} ms`,
      cumulativeLayoutShift: `sum of layout-shift values without recent input up to banner works + ${WINDOW_AFTER_BANNER_MS} ms`,
      customizeToDialog: "a real click on the banner's Customize button: the click event's timeStamp -> the first animation frame where the preference dialog has a height and is visible (Crumb [data-crumb-part=preferences], reference #cc-main .pm); then Escape closes it",
      acceptToStored: "a real click on the banner's Accept all: capture-phase click listener on window -> the banner's storage written (Crumb localStorage 'crumb', reference cookie 'cc_cookie')",
      returningCold: `a new profile given only the first visit's cookies and localStorage (cold cache): navigation start (and DOMContentLoaded) -> <html data-demo-analytics> set by the gated demo analytics script; bytes: the banner's responses finished by then; whole visit: until ${RETURN_SETTLE_MS} ms later`,
      returningWarm: "second navigation in the first visit's profile (warm cache) -> <html data-demo-analytics>",
    },
    parts,
    sizes: sizes.crumb,
    referenceSizes: sizes.reference,
    conditions: {},
  };

  try {
    for (const condName of options.conditions) {
      const condition = CONDITIONS[condName];
      const runs = Object.fromEntries(options.pages.map((p) => [p, []]));
      for (let i = 0; i < options.warmup + options.runs; i += 1) {
        const warm = i < options.warmup;
        for (const pageName of options.pages) {
          const run = await measureOnce(browser, options.url, pageName, condition);
          const tag = warm ? "warm-up" : `run ${i - options.warmup + 1}/${options.runs}`;
          if (run.ok) {
            process.stderr.write(`  ${condName} ${pageName} ${tag}: ${fmtInt(run.bytesBeforeBanner)} B, banner ${run.bannerVisibleMs.toFixed(1)} ms, ` +
              `TBT ${run.totalBlockingTimeMs.toFixed(1)} ms, CLS ${run.cumulativeLayoutShift.toFixed(4)}, ` +
              `dialog ${run.customizeToDialogMs.toFixed(1)} ms, stored ${run.acceptToStoredMs.toFixed(1)} ms, ` +
              `returning ${fmtInt(run.returningBytesBeforeScripts)} B ${run.returningColdScriptsRanMs.toFixed(1)} ms\n`);
          } else {
            process.stderr.write(`  ${condName} ${pageName} ${tag}: FAILED at ${run.stage}: ${run.error}\n`);
            if (run.evidence) process.stderr.write(`    evidence: ${JSON.stringify(run.evidence).slice(0, 1500)}\n`);
            for (const line of run.console.slice(0, 10)) process.stderr.write(`    console ${line}\n`);
          }
          if (!warm) runs[pageName].push(run);
        }
      }
      const pages = {};
      for (const pageName of options.pages) {
        const good = runs[pageName].filter((r) => r.ok);
        const summary = Object.fromEntries(METRICS.map(([key]) => [key, summarize(good.map((r) => r[key]))]));
        for (const key of EXTRA_METRICS) summary[key] = summarize(good.map((r) => r[key]));
        summary.firstWholeVisitBytes = summarize(good.map((r) => r.bytes.firstWholeVisit.body));
        summary.returningWholeVisitBytes = summarize(good.map((r) => r.bytes.returningWholeVisit.body));
        summary.wireBytesBeforeBanner = summarize(good.map((r) => r.bytes.firstBeforeBanner.wire));
        summary.returningWireBytesBeforeScripts = summarize(good.map((r) => r.bytes.returningBeforeScripts.wire));
        pages[pageName] = {
          label: condition.label,
          runs: runs[pageName].length,
          ok: good.length,
          failed: runs[pageName].length - good.length,
          summary,
          responses: good[0]?.responses ?? null,
          runsDetail: runs[pageName],
        };
      }
      report.conditions[condName] = {
        label: condition.label,
        emulation: { network: condition.network, cpuThrottlingRate: condition.cpuRate },
        pages,
      };
    }
  } finally {
    await browser.close();
  }
  report.finishedAt = new Date().toISOString();

  const firstResponses = (pageName) => {
    for (const c of Object.values(report.conditions)) {
      const r = c.pages[pageName]?.responses;
      if (r) return [...r.first, ...r.returning];
    }
    return null;
  };
  const out = [];
  out.push(`Crumb benchmark: ${options.url}  (Chromium ${report.chromium}, ${report.machine.cpus} CPUs, ` +
    `${options.runs} fresh profiles per page and condition, interleaved, ${options.warmup} warm-up discarded)`);
  out.push("");
  out.push("Side by side (medians; B = body bytes as served, brotli; ms from navigation start):");
  out.push(printComparison(report));
  out.push("  before banner B: the banner's files finished before it was visible; Customize->dialog: click to dialog visible;");
  out.push("  return B / scripts ms / after DCL: returning visitor with a cold cache, bytes before the consented scripts ran,");
  out.push("  when they ran (from navigation start, and after DOMContentLoaded); fetched B: the banner's files over the whole first visit.");
  for (const pageName of options.pages) {
    out.push("");
    out.push(`${PAGES[pageName].label}: bytes per part (raw, gzip -9 and brotli q11 computed from the served files; served as/body/on wire: as Chromium received them)`);
    out.push(printSizes(sizes[pageName], firstResponses(pageName)));
  }
  out.push("* on wire: CDP Network.loadingFinished encodedDataLength (body + response headers)");
  const notBrotli = options.pages.flatMap((p) => firstResponses(p) ?? []).filter((r) => r.contentEncoding !== "br");
  if (notBrotli.length) out.push(`NOTE: not served brotli-encoded: ${[...new Set(notBrotli.map((r) => `${r.path} (${r.contentEncoding ?? "identity"})`))].join(", ")}`);
  for (const [condName, result] of Object.entries(report.conditions)) {
    for (const [pageName, pageResult] of Object.entries(result.pages)) {
      out.push("");
      out.push(printCondition(condName, PAGES[pageName].label, pageResult));
    }
  }
  const all = Object.values(report.conditions).flatMap((c) => Object.values(c.pages));
  const failures = all.reduce((n, p) => n + p.failed, 0);
  if (failures) out.push(`\n${failures} run(s) failed; see runsDetail in the JSON for the errors and evidence.`);
  await mkdir(dirname(options.out), { recursive: true });
  await writeFile(options.out, `${JSON.stringify(report, null, 2)}\n`);
  out.push("");
  out.push(`JSON: ${options.out}`);
  console.log(out.join("\n"));
  if (all.some((p) => p.ok === 0)) process.exitCode = 1;
}

main().catch((error) => {
  console.error(`bench: ${error?.stack ?? error}`);
  process.exit(1);
});
