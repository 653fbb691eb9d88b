#!/usr/bin/env node
// Takes bytes out of the main wasm that no code needs (scripts/build-widget.sh, release builds):
//
//   strip <in.wasm> <out.wasm>   (before wasm-opt) removes the linker's relocation sections and the
//     exports only wasm-streams needs (`rename` then drops their classes from the glue).
//     Leptos turns on its server functions' browser client, which brings wasm-streams, whose
//     `#[wasm_bindgen]` classes (IntoUnderlyingSource, IntoUnderlyingByteSource, IntoUnderlyingSink)
//     are exports, so the linker and wasm-opt keep their code although the widget never streams a
//     server function's body. Without the exports wasm-opt drops it (about 1.2 KB brotli). The
//     glue's classes that would call them stay, unused: nothing constructs them.
//
//   rename <x_bg.wasm> <glue.js>   (after wasm-opt, both files rewritten in place) gives short names
//     to what only a module and its wasm-bindgen glue share (the main part's and the apply part's):
//     the imports from `./x_bg.js` (wasm-bindgen names them `__wbg_<name>_<16 hex digits>`,
//     incompressible) and the exports that the glue
//     alone calls as `wasm.<name>` (closure invokers, named by their Rust symbol, up to 200
//     characters). A name is renamed only where the glue has it exactly where expected (one
//     `<name>: function(` key for an import, `wasm.<name>` for an export, and nowhere else), and
//     never one that the parts' loader (__wasm_split.js) or wasm-bindgen's start-up uses.
import { readFileSync, writeFileSync } from "node:fs";

const [mode, first, second] = process.argv.slice(2);
if (!["strip", "rename"].includes(mode) || !first || !second) {
  console.error("usage: node scripts/trim-main.mjs strip <in.wasm> <out.wasm> | rename <main.wasm> <glue.js>");
  process.exit(2);
}

function leb(bytes, at) {
  let value = 0, shift = 0, byte;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}
function uleb(value) {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return Buffer.from(out);
}
const name = (text) => {
  const bytes = Buffer.from(text, "utf8");
  return Buffer.concat([uleb(bytes.length), bytes]);
};
function readName(bytes, at) {
  const [length, start] = leb(bytes, at);
  return [bytes.toString("utf8", start, start + length), start + length];
}

// Rewrites a module section by section: `edit(id, body)` gives a new body, null (unchanged) or
// DROP (the section goes).
const DROP = Symbol("drop");
function rewrite(bytes, edit) {
  if (bytes.readUInt32LE(0) !== 0x6d736100) throw new Error("not a wasm module");
  const parts = [bytes.subarray(0, 8)];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, body] = leb(bytes, at + 1);
    const end = body + size;
    const replaced = edit(id, bytes.subarray(body, end));
    if (replaced !== DROP) {
      parts.push(replaced ? Buffer.concat([Buffer.from([id]), uleb(replaced.length), replaced]) : bytes.subarray(at, end));
    }
    at = end;
  }
  return Buffer.concat(parts);
}

// Export entries: name, kind byte, index.
function mapExports(body, keep) {
  let [count, at] = leb(body, 0);
  const out = [];
  let kept = 0;
  for (; count > 0; count--) {
    const [exportName, next] = readName(body, at);
    const [, end] = leb(body, next + 1);
    const renamed = keep(exportName);
    if (renamed !== null) {
      out.push(name(renamed), body.subarray(next, end));
      kept++;
    }
    at = end;
  }
  return Buffer.concat([uleb(kept), ...out]);
}

if (mode === "strip") {
  const unused = /^(__wbg_)?intounderlying(bytesource|sink|source)_/;
  const removed = [];
  let relocations = 0;
  const out = rewrite(readFileSync(first), (id, body) => {
    if (id === 7) return mapExports(body, (n) => (unused.test(n) ? (removed.push(n), null) : n));
    // The linker's relocation sections (--emit-relocs, which the splitter needs): once the
    // module is final they only confuse wasm-opt.
    if (id === 0) {
      const [section] = readName(body, 0);
      if (section === "linking" || section.startsWith("reloc.")) {
        relocations++;
        return DROP;
      }
    }
    return null;
  });
  writeFileSync(second, out);
  console.log(`trim-main: removed ${removed.length} exports only wasm-streams needs, ${relocations} relocation sections`);
  process.exit(0);
}

// rename
const wasmFile = first, glueFile = second;
// wasm-bindgen's module name for a glue's imports: `./<out-name>_bg.js`.
const glueModule = "./" + wasmFile.split("/").pop().replace(/\.wasm$/, ".js");
const wasm = readFileSync(wasmFile);
let glue = readFileSync(glueFile, "utf8");
const escape = (s) => s.replace(/[$]/g, "\\$");
const count = (re) => (glue.match(re) || []).length;
// Short names in a namespace of their own (`$` is never in wasm-bindgen's or Rust's names).
const shortName = (i) => "$" + i.toString(36);

// Imports from the glue's module that it defines as `<name>: function(` exactly once.
const importNames = new Map();
const exportNames = new Map();
rewrite(wasm, (id, body) => {
  if (id === 2) {
    let [entries, at] = leb(body, 0);
    for (; entries > 0; entries--) {
      const [module, next] = readName(body, at);
      const [field, kindAt] = readName(body, next);
      at = skipImportDesc(body, kindAt);
      if (module !== glueModule || importNames.has(field)) continue;
      const word = new RegExp(`(?<![\\w$])${escape(field)}(?![\\w$])`, "g");
      const key = new RegExp(`(?<=[\\s{,])${escape(field)}(?=: function\\()`, "g");
      if (count(word) === 1 && count(key) === 1) importNames.set(field, shortName(importNames.size));
    }
  }
  if (id === 7) {
    let [entries, at] = leb(body, 0);
    for (; entries > 0; entries--) {
      const [exportName, next] = readName(body, at);
      [, at] = leb(body, next + 1);
      // The closure invokers wasm-bindgen names by their Rust symbol; nothing else.
      if (!/^(_ZN|_R)/.test(exportName)) continue;
      const uses = new RegExp(`(?<![\\w$])wasm\\.${escape(exportName)}(?![\\w$])`, "g");
      if (count(uses) > 0) exportNames.set(exportName, "$x" + exportNames.size.toString(36));
    }
  }
  return null;
});

function skipImportDesc(body, at) {
  const kind = body[at++];
  if (kind === 0) return leb(body, at)[1]; // function: type index
  if (kind === 1) { // table: reftype, limits
    at++;
    const flags = body[at++];
    at = leb(body, at)[1];
    return flags & 1 ? leb(body, at)[1] : at;
  }
  if (kind === 2) { // memory: limits
    const flags = body[at++];
    at = leb(body, at)[1];
    return flags & 1 ? leb(body, at)[1] : at;
  }
  if (kind === 3) return at + 2; // global: valtype, mutability
  if (kind === 4) return leb(body, at + 1)[1]; // tag: attribute, type index
  throw new Error(`unknown import kind ${kind}`);
}

const out = rewrite(wasm, (id, body) => {
  if (id === 2) {
    let [entries, at] = leb(body, 0);
    const parts = [uleb(entries)];
    for (; entries > 0; entries--) {
      const [module, next] = readName(body, at);
      const [field, kindAt] = readName(body, next);
      const end = skipImportDesc(body, kindAt);
      const renamed = module === glueModule ? importNames.get(field) : undefined;
      parts.push(name(module), name(renamed ?? field), body.subarray(kindAt, end));
      at = end;
    }
    return Buffer.concat(parts);
  }
  if (id === 7) return mapExports(body, (n) => exportNames.get(n) ?? n);
  return null;
});

for (const [old, short] of importNames) {
  glue = glue.replace(new RegExp(`(?<=[\\s{,])${escape(old)}(?=: function\\()`), short);
}
for (const [old, short] of exportNames) {
  glue = glue.replace(new RegExp(`(?<![\\w$])wasm\\.${escape(old)}(?![\\w$])`, "g"), `wasm.${short}`);
}
// The wasm-streams classes whose exports `strip` removed: the glue still defines them, for nobody
// (the widget never streams). Each goes with its `Symbol.dispose` line and its finalization
// registry, only when nothing else in the glue names it afterwards.
const exported = new Set();
rewrite(out, (id, body) => {
  if (id === 7) mapExports(body, (n) => (exported.add(n), n));
  return null;
});
let classes = 0;
for (const cls of ["IntoUnderlyingByteSource", "IntoUnderlyingSink", "IntoUnderlyingSource"]) {
  const lower = cls.toLowerCase();
  if ([...exported].some((n) => n.includes(lower))) continue;
  const start = glue.indexOf(`export class ${cls} {`);
  if (start < 0) continue;
  let depth = 0, end = -1;
  for (let i = glue.indexOf("{", start); i < glue.length; i++) {
    if (glue[i] === "{") depth++;
    else if (glue[i] === "}" && --depth === 0) { end = i + 1; break; }
  }
  if (end < 0) continue;
  let trimmed = glue.slice(0, start) + glue.slice(end);
  trimmed = trimmed.replace(`if (Symbol.dispose) ${cls}.prototype[Symbol.dispose] = ${cls}.prototype.free;\n`, "");
  trimmed = trimmed.replace(new RegExp(`const ${cls}Finalization = \\(typeof FinalizationRegistry === 'undefined'\\)\\n[^;]*;\\n`), "");
  if (new RegExp(`(?<![\\w$])${cls}(?![\\w$])`).test(trimmed) || trimmed.includes(`__wbg_${lower}_free`)) continue;
  glue = trimmed;
  classes++;
}
writeFileSync(wasmFile, out);
writeFileSync(glueFile, glue);
console.log(`trim-main: ${wasmFile.split("/").pop()}: renamed ${importNames.size} imports and ${exportNames.size} exports, dropped ${classes} unused wasm-streams classes from the glue`);
