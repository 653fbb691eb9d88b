#!/usr/bin/env node
// The widget's byte budgets, checked on the built bundle (deterministic: brotli quality 11 of the
// files in dist/crumb/, as a CDN serves them). Fails when a part or a page view's set of parts is
// over its budget, when a built part has no budget, or when a budgeted file is missing. Budgets
// and the goals live in scripts/size-budgets.json; timings are measured by bench/, never here.
// Usage: node scripts/check-sizes.mjs [dist]
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants as zc } from "node:zlib";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = resolve(process.argv[2] ?? join(root, "dist"));
const budgets = JSON.parse(readFileSync(join(root, "scripts/size-budgets.json"), "utf8"));
const failures = [];
const warnings = [];

// Which toolchain built the wasm (scripts/build-widget.sh writes it). The budgets are for the
// pinned nightly; a build that fell back to stable (the nightly could not be installed) is about
// 20 KB bigger: its wasm is reported, not failed, and the check says so loudly.
const targetDir = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(root, "target");
const toolchainFile = join(targetDir, "crumb-parts/release/toolchain");
const builtWith = existsSync(toolchainFile) ? readFileSync(toolchainFile, "utf8").trim() : "unknown";
const onStable = builtWith === "stable";

// A budget key is a file under dist/, or a pattern with one `*` for files whose names the splitter
// numbers (`crumb/chunk_*.wasm`: code that several parts share); a pattern's size is the sum.
const pattern = (key) => new RegExp(`^${key.split("*").map((s) => s.replace(/[.^$+?()[\]{}|\\]/g, "\\$&")).join("[^/]*")}$`);
const builtFiles = readdirSync(join(dist, "crumb"), { recursive: true }).map((name) => `crumb/${name}`);

function brotliOf(file) {
  const bytes = readFileSync(join(dist, file));
  return brotliCompressSync(bytes, {
    params: { [zc.BROTLI_PARAM_QUALITY]: 11, [zc.BROTLI_PARAM_LGWIN]: 22, [zc.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  }).length;
}

function brotli(key) {
  if (!existsSync(join(dist, "crumb"))) {
    failures.push(`${dist}/crumb is missing (build with \`trunk build --release\`)`);
    return 0;
  }
  const files = key.includes("*") ? builtFiles.filter((f) => pattern(key).test(f)) : [key];
  if (!key.includes("*") && !existsSync(join(dist, key))) {
    failures.push(`${key} is missing from ${dist} (build with \`trunk build --release\`)`);
    return 0;
  }
  return files.reduce((sum, file) => sum + brotliOf(file), 0);
}

const sizes = {};
for (const file of Object.keys(budgets.parts)) sizes[file] = brotli(file);

// Every part the build produced must have a budget: a new part cannot slip in unmeasured.
const keys = Object.keys(budgets.parts);
for (const file of builtFiles) {
  const budgeted = keys.some((key) => (key.includes("*") ? pattern(key).test(file) : key === file));
  if (/\.(wasm|js|css)$/.test(file) && !budgeted) failures.push(`${file} has no budget in scripts/size-budgets.json`);
}

const row = (name, bytes, budget, goal, wasm) => {
  const over = bytes > budget;
  const message = `${name}: ${bytes} B brotli is over its budget of ${budget} B`;
  if (over && onStable && wasm) warnings.push(`${message} (built on stable, not ${budgets.toolchain})`);
  else if (over) failures.push(message);
  const goalText = goal === undefined ? "" : `${goal}`.padStart(9) + (bytes <= goal ? "  met" : "  not yet");
  console.log(`${name.padEnd(70)}${String(bytes).padStart(9)}${String(budget).padStart(9)}${goalText}${over ? "  OVER" : ""}`);
};

console.log(`${"part (brotli q11, bytes)".padEnd(70)}${"size".padStart(9)}${"budget".padStart(9)}${"goal".padStart(9)}`);
for (const [file, budget] of Object.entries(budgets.parts)) {
  const goal = file.endsWith(".wasm") ? budgets.goal_each_wasm : undefined;
  row(file, sizes[file], budget, goal, file.endsWith(".wasm"));
}
console.log();
for (const [name, set] of Object.entries(budgets.page_views)) {
  const total = set.files.reduce((sum, file) => {
    if (!(file in sizes)) failures.push(`page view "${name}" lists ${file}, which has no part budget`);
    return sum + (sizes[file] ?? 0);
  }, 0);
  row(name, total, set.budget, set.goal, set.files.some((file) => file.endsWith(".wasm")));
}

console.log(`\nwasm built with: ${builtWith} (the budgets are for ${budgets.toolchain})`);
if (builtWith === "unknown") warnings.push(`${toolchainFile} is missing: which toolchain built the wasm is unknown`);
else if (!onStable && builtWith !== budgets.toolchain) {
  failures.push(`the wasm was built with ${builtWith}, the budgets are for ${budgets.toolchain}: update scripts/size-budgets.json with scripts/env.sh`);
}
if (warnings.length) console.warn(`\nWARNING:\n  - ${warnings.join("\n  - ")}`);

if (failures.length) {
  console.error(`\nsize check failed:\n  - ${failures.join("\n  - ")}`);
  process.exit(1);
}
console.log("\nsize check passed");
