// What scripts/release.sh writes beside the widget's files:
//   node scripts/release-manifest.mjs integrity DIR       integrity.json: every file's SRI value (sha384)
//   node scripts/release-manifest.mjs npm DIR VERSION     DIR/package.json and DIR/README.md of the npm package
//   node scripts/release-manifest.mjs sri FILE            one file's SRI value
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";

export const PACKAGE_NAME = "crumb-consent";

function sri(file) {
  return "sha384-" + createHash("sha384").update(readFileSync(file)).digest("base64");
}

function files(dir) {
  const found = [];
  (function walk(d) {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else found.push(path);
    }
  })(dir);
  return found;
}

function integrity(dir) {
  const out = {};
  for (const file of files(dir)) out[relative(dir, file).split(sep).join("/")] = sri(file);
  return out;
}

function npm(dir, version) {
  const loaderSri = sri(join(dir, "dist", "loader.js"));
  const pkg = {
    name: PACKAGE_NAME,
    version,
    description: "Crumb: a cookie-consent banner and preference center (Rust, WebAssembly). One script tag, no build step.",
    license: "MIT OR Apache-2.0",
    keywords: ["cookie-consent", "cookie-banner", "gdpr", "consent-mode", "cmp", "webassembly"],
    // Not a module for bundlers: a folder of files to serve. Every file is reachable by its path
    // (`crumb-consent/dist/loader.js`), and npm CDNs serve the loader at the package's root URL.
    files: ["dist/"],
    exports: {
      "./loader.js": "./dist/loader.js",
      "./crumb.d.ts": "./dist/crumb.d.ts",
      "./crumb-config.schema.json": "./dist/crumb-config.schema.json",
      "./integrity.json": "./dist/integrity.json",
      "./dist/*": "./dist/*",
      "./package.json": "./package.json",
    },
    types: "./dist/crumb.d.ts",
    browser: "./dist/loader.js",
    unpkg: "./dist/loader.js",
    jsdelivr: "./dist/loader.js",
    sideEffects: true,
  };
  writeFileSync(join(dir, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
  const readme = `# Crumb ${version}: cookie consent, prebuilt

The built Crumb widget: \`loader.js\`, its WebAssembly parts, styles and the 36 built-in languages.
Serve the \`dist/\` folder as it is, from your site or a CDN; \`loader.js\` fetches every other file
from the folder it was itself loaded from. No Rust, no build step.

## From a CDN

\`\`\`html
<script type="application/json" id="crumb-config">{ "site": "my-site", "revision": 1, "policy_url": "/privacy", "categories": [{ "id": "necessary", "required": true }, { "id": "analytics" }] }</script>
<script src="https://cdn.jsdelivr.net/npm/${PACKAGE_NAME}@${version}/dist/loader.js"
        integrity="${loaderSri}" crossorigin="anonymous"
        data-endpoint="https://consent.example.com/api/consent" async></script>
\`\`\`

(\`https://unpkg.com/${PACKAGE_NAME}@${version}/dist/loader.js\` works the same way.) Always use an exact
version in the URL: the integrity value belongs to this version's \`loader.js\`.

## From your own server

\`\`\`sh
npm install ${PACKAGE_NAME}@${version}
cp -R node_modules/${PACKAGE_NAME}/dist public/crumb-${version}
\`\`\`

then \`<script src="/crumb-${version}/loader.js" data-endpoint="/api/consent" async></script>\`.

\`dist/integrity.json\` lists the SRI value of every file. \`dist/crumb.d.ts\` types \`window.Crumb\`
and its events; \`dist/crumb-config.schema.json\` validates a config in your editor.

The config reference, the JavaScript API, the consent-log server (\`crumb-server\`) and how to run it
are in Crumb's documentation (docs/configuration.md, docs/api.md, docs/server.md, docs/deploy.md in
the source archive).
`;
  writeFileSync(join(dir, "README.md"), readme);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === "integrity" && args.length === 1) {
  process.stdout.write(JSON.stringify(integrity(args[0]), null, 2) + "\n");
} else if (mode === "npm" && args.length === 2) {
  npm(args[0], args[1]);
} else if (mode === "sri" && args.length === 1) {
  process.stdout.write(sri(args[0]) + "\n");
} else {
  process.stderr.write("usage: release-manifest.mjs integrity DIR | npm DIR VERSION | sri FILE\n");
  process.exit(2);
}
