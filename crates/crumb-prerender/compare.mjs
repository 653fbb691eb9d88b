// Spike check: the first layer the wasm draws in Chromium beside what crumb-prerender rendered.
// node compare.mjs <page url> <playwright-core dir> <prerendered dir> <lang>...
// For each language: the widget's `.crumb` outerHTML, the prerendered file as Chromium parses it,
// and whether they are equal raw, with attributes sorted, and with attributes sorted and comments
// dropped.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const [url, playwrightDir, prerendered, ...languages] = process.argv.slice(2);
const { chromium } = createRequire(import.meta.url)(playwrightDir);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--headless"] });
const report = {};
try {
  for (const language of languages) {
    const ssr = readFileSync(`${prerendered}/${language}.html`, "utf8").trim();
    const context = await browser.newContext({ locale: language });
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => document.querySelector("#crumb-root")?.shadowRoot?.querySelector(".crumb [data-crumb-part=banner]"));
    report[language] = await page.evaluate((ssr) => {
      const wasm = document.querySelector("#crumb-root").shadowRoot.querySelector(".crumb");
      const template = document.createElement("template");
      template.innerHTML = ssr;
      const parsed = template.content.firstElementChild;
      // Elements with sorted attributes; text as is; comments kept or dropped.
      const canon = (node, comments) => {
        if (node.nodeType === Node.TEXT_NODE) return node.data.replace(/&/g, "&amp;").replace(/</g, "&lt;");
        if (node.nodeType === Node.COMMENT_NODE) return comments ? `<!--${node.data}-->` : "";
        const attrs = [...node.attributes].map((a) => `${a.name}="${a.value}"`).sort().join(" ");
        const inner = [...node.childNodes].map((c) => canon(c, comments)).join("");
        return `<${node.localName}${attrs ? " " + attrs : ""}>${inner}</${node.localName}>`;
      };
      return {
        wasm: wasm.outerHTML,
        prerendered_raw: ssr,
        prerendered_parsed: parsed.outerHTML,
        equal_raw: wasm.outerHTML === ssr,
        equal_parsed: wasm.outerHTML === parsed.outerHTML,
        equal_sorted_attributes: canon(wasm, true) === canon(parsed, true),
        equal_sorted_without_comments: canon(wasm, false) === canon(parsed, false),
        text_nodes: [wasm, parsed].map((root) => {
          const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_COMMENT);
          let n = 0;
          while (walker.nextNode()) n++;
          return n;
        }),
      };
    }, ssr);
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(report, null, 1));
