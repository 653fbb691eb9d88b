// Spike check: does the prerendered first layer paint on its own (no wasm), the way loader.js
// would put it in the page? node paint.mjs <served dist url> <playwright-core dir> <file.html>
// Reports the banner's box before and after showPopover(), and saves a screenshot.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const [base, playwrightDir, file] = process.argv.slice(2);
const { chromium } = createRequire(import.meta.url)(playwrightDir);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--headless"] });
try {
  const page = await browser.newPage({ viewport: { width: 1024, height: 700 } });
  await page.goto(`${base}/demo/privacy.html`).catch(() => page.goto(base));
  const result = await page.evaluate(async ({ base, html }) => {
    const host = document.createElement("div");
    host.id = "crumb-prerendered";
    const root = host.attachShadow({ mode: "open" });
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = `${base}/crumb/crumb.css`;
    const loaded = new Promise((resolve) => (link.onload = link.onerror = resolve));
    root.append(link);
    const mount = document.createElement("div");
    mount.innerHTML = html;
    root.append(mount);
    document.body.prepend(host);
    await loaded;
    const section = root.querySelector("[data-crumb-part=banner]");
    const box = () => {
      const r = section.getBoundingClientRect();
      return { width: Math.round(r.width), height: Math.round(r.height), top: Math.round(r.top), display: getComputedStyle(section).display };
    };
    const before = box();
    section.showPopover?.();
    return { before, after_showPopover: box(), popover_open: section.matches(":popover-open") };
  }, { base, html: readFileSync(file, "utf8") });
  await page.screenshot({ path: "/tmp/ssr-paint.png" });
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}
