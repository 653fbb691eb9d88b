#!/usr/bin/env node
// Writes into the staged loader.js the wasm files a first visit's banner needs besides the main
// part: the `ui` part and every chunk it shares with another part (the splitter numbers chunks,
// `chunk_<n>.wasm`, and names the parts that use each in a comment of the unminified
// __wasm_split.js). loader.js preloads them alongside the main part, so none waits for the main
// part to ask for it. Run by scripts/minify-js.sh (a Trunk post-build hook), before minifying.
// Usage: node scripts/stage-loader.mjs <staged crumb folder>
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node scripts/stage-loader.mjs <staged crumb folder>");
  process.exit(2);
}
const split = readFileSync(join(dir, "__wasm_split.js"), "utf8");
const parts = ["split_ui.wasm"];
// `/* preferences, ui */` then `const __chunk_4 = makeLoad(() => { const src = fetch(new URL("./chunk_4.wasm", …`
for (const m of split.matchAll(/\/\*\s*([a-z_, ]+)\s*\*\/\s*const __chunk_\d+ = makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\.\/(chunk_\d+\.wasm)"/g)) {
  if (m[1].split(",").map((s) => s.trim()).includes("ui")) parts.push(m[2]);
}
if (!split.includes("split_ui.wasm")) {
  console.error(`stage-loader: ${dir}/__wasm_split.js does not load split_ui.wasm; has the ui split point moved?`);
  process.exit(1);
}
const loaderPath = join(dir, "loader.js");
const loader = readFileSync(loaderPath, "utf8");
const marker = 'var uiParts = ["split_ui.wasm"];';
if (!loader.includes(marker)) {
  console.error(`stage-loader: ${loaderPath} has no \`${marker}\` to fill in`);
  process.exit(1);
}
writeFileSync(loaderPath, loader.replace(marker, `var uiParts = ${JSON.stringify(parts)};`));
console.log(`stage-loader: loader.js preloads ${parts.join(", ")} on a first visit`);
