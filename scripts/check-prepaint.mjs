// Checks prepaint.js's copy of crumb-core's language negotiation against the table of cases that
// crumb-core's own test reads (crates/crumb-core/tests/fixtures/language-cases.json): the language
// a prepaint is painted in must be the one the widget then speaks. Run by scripts/test.sh; exits 1
// on a difference.
import { readFileSync } from "node:fs";

// Imported from its text: www/ has no package.json saying it holds ES modules.
const source = readFileSync(new URL("../www/prepaint.js", import.meta.url), "utf8");
const { negotiate } = await import(`data:text/javascript;charset=utf-8,${encodeURIComponent(source)}`);

const cases = JSON.parse(readFileSync(new URL("../crates/crumb-core/tests/fixtures/language-cases.json", import.meta.url), "utf8"));
let failed = 0;
for (const c of cases) {
  const got = negotiate(c.setting, c.html_lang, c.browser, c.offered, c.fallback);
  if (got !== c.expect) {
    failed += 1;
    console.error(`check-prepaint: ${c.why}: prepaint.js chose ${JSON.stringify(got)}, crumb-core ${JSON.stringify(c.expect)}`);
  }
}
if (failed) process.exit(1);
console.log(`check-prepaint: prepaint.js negotiates the language as crumb-core does (${cases.length} cases)`);
