// Takes the README's screenshots of the demo shop: node scripts/screenshots.mjs [base-url]
// (start the demo first: scripts/demo.sh). Writes docs/screenshots/*.png.
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const base = process.argv[2] || "http://127.0.0.1:8080/";
// The project's one list of Chromium flags, shared with the e2e harness and the benchmark.
const args = readFileSync(new URL("../tests/chromium-flags.txt", import.meta.url), "utf8")
  .split("\n").map((line) => line.trim()).filter((line) => line && !line.startsWith("#"));
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args });
async function shoot(locale, name, action) {
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(base);
  await page.locator("[data-crumb-part=banner]").waitFor();
  if (action) await action(page);
  await page.waitForTimeout(300);
  await page.screenshot({ path: `docs/screenshots/${name}.png` });
  await context.close();
}
// The demo page declares no <html lang>, so the browser's locale picks the banner's language.
await shoot("en-GB", "banner-en");
await shoot("nl-BE", "banner-nl");
await shoot("zh-CN", "banner-zh");
await shoot("ar-EG", "banner-ar"); // right to left: mirrored layout
await shoot("ja-JP", "banner-ja");
async function openPreferences(page) {
  await page.locator("[data-action=customize]").click();
  await page.locator("[data-crumb-part=preferences] details.crumb-services").nth(2).locator("summary").click();
}
await shoot("en-GB", "preferences-en", openPreferences);
await shoot("he-IL", "preferences-he", openPreferences);

// Each layout (layout.style), light and dark: the demo page with its config's layout and scheme
// rewritten on the way in, the widget's own banner (not a painted one) on screen.
for (const style of ["box", "bar", "cloud", "popup"]) {
  for (const scheme of ["light", "dark"]) {
    const context = await browser.newContext({ locale: "en-GB", viewport: { width: 1280, height: 800 }, colorScheme: scheme });
    const page = await context.newPage();
    await page.route(base, async (route) => {
      const response = await route.fetch();
      const html = (await response.text()).replace(/"site_kind": "shop",/, `"site_kind": "shop", "layout": { "style": "${style}" },`)
        .replace(/\s*data-prepaint="[^"]*"/, "");
      await route.fulfill({ response, body: html });
    });
    await page.goto(base);
    await page.waitForFunction(() => window.Crumb && window.Crumb.ready === true);
    await page.locator("[data-crumb-part=banner]").waitFor();
    await page.waitForTimeout(400);
    await page.screenshot({ path: `docs/screenshots/layout-${style}-${scheme}.png` });
    await context.close();
  }
}
// The configurator (docs/configurator.md), signed in with the demo's admin token: the editor with
// its live preview, a field's error, and what a publish means. Needs CRUMB_ADMIN_TOKEN (printed
// by scripts/demo.sh).
if (process.env.CRUMB_ADMIN_TOKEN) {
  const context = await browser.newContext({ locale: "en-GB", viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(new URL("admin/login?next=/admin/sites/crumb-demo", base).href);
  await page.locator("input[name=token]").fill(process.env.CRUMB_ADMIN_TOKEN);
  await page.locator("button[type=submit]").click();
  await page.locator("#categories-0-id").waitFor();
  // The draft is kept on the server between runs: start each run from the demo page's config.
  await page.locator("#import-text").fill(await (await fetch(base)).text());
  await page.locator("#import-submit").click();
  await page.locator("#import-result", { hasText: "Imported" }).waitFor();
  await page.locator("#categories-3-id").waitFor();
  await page.locator("#preview-frame[data-ready=true]").waitFor();
  await page.waitForTimeout(400);
  await page.screenshot({ path: "docs/screenshots/configurator.png" });
  const duration = page.locator("#categories-2-services-0-cookies-0-duration");
  await duration.fill("forever");
  await page.locator("#categories-2-services-0-cookies-0-duration-error").waitFor();
  await page.evaluate(() => document.getElementById("categories-2-services-0-cookies-0-duration-error").scrollIntoView({ block: "center" }));
  await page.screenshot({ path: "docs/screenshots/configurator-error.png" });
  await duration.fill("2 years");
  await page.locator("#categories-3-remove").click();
  await page.locator("#assessment-words", { hasText: "Every visitor will be asked again" }).waitFor();
  await page.locator("#publish-button").click();
  await page.locator("#publish-confirm-panel").scrollIntoViewIfNeeded();
  await page.screenshot({ path: "docs/screenshots/configurator-publish.png" });
  await context.close();
}
await browser.close();
