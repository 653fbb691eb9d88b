// Builds the benchmark's site folder: a copy of dist/ plus reference/, the demo shop with
// orestbida's vanilla-cookieconsent 3.1 instead of Crumb. Everything the reference shows is read
// from the build at bench time, so it follows the demo page and cannot drift from it:
//   - the host page: dist/index.html with Crumb's config and its /crumb/ tags removed;
//   - the categories and services: the demo's Crumb config (inline #crumb-config, or the file
//     the loader's data-config points to);
//   - the texts: dist/crumb/i18n/en.json (banner, buttons, preference center, categories).
// Usage: node bench/reference/build.mjs --dist dist --out /tmp/site
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";

const require = createRequire(import.meta.url);

function parseArgs(argv) {
  const options = { dist: null, out: null };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === "--dist") options.dist = resolve(value);
    else if (flag === "--out") options.out = resolve(value);
    else throw new Error(`unknown argument ${flag}`);
    i += 1;
  }
  if (!options.dist || !options.out) throw new Error("usage: node bench/reference/build.mjs --dist DIR --out DIR");
  return options;
}

const escapeHtml = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

/** The demo's Crumb config: inline in the page, or the JSON file the loader tag points to. */
async function demoConfig(html, dist) {
  const inline = /<script\b[^>]*\bid=["']crumb-config["'][^>]*>([\s\S]*?)<\/script>/i.exec(html);
  if (inline) return JSON.parse(inline[1]);
  const byUrl = /<script\b[^>]*\bdata-config=["']([^"']+)["'][^>]*>/i.exec(html);
  if (byUrl) {
    const path = new URL(byUrl[1], "http://site/").pathname;
    return JSON.parse(await readFile(join(dist, path), "utf8"));
  }
  throw new Error("dist/index.html has neither an inline #crumb-config nor a loader tag with data-config");
}

/** Crumb's duration wording ("182 days" -> "182 days", "session" -> "Until you close the browser"). */
function duration(value, t) {
  if (value === "session") return t["duration.session"] ?? value;
  const m = /^(\d+)\s*(second|minute|hour|day|week|month|year)s?$/.exec(String(value).trim());
  if (!m) return String(value);
  const key = `duration.${m[2]}.${m[1] === "1" ? "one" : "other"}`;
  return (t[key] ?? String(value)).replace("{n}", m[1]);
}

/** orestbida's config with the demo's categories, services and Crumb's English texts. */
function referenceConfig(config, t) {
  // A shop's built-in texts are the `.shop` variants (crumb-core's `Texts::new`).
  const text = (key, fallback = "") => (config.site_kind === "shop" ? t[`${key}.shop`] : undefined) ?? t[key] ?? fallback;
  // The banner's text as crumb-core's `Texts::purposes` composes it for the demo's categories.
  const optional = (config.categories ?? []).filter((c) => !c.required && c.id !== "necessary");
  const purposes = [text("banner.necessary")]
    .concat(optional.length ? [text("banner.consent")] : [], optional.map((c) => text(`category.${c.id}.purpose`)))
    .join(" ");
  const policy = config.policy_url
    ? `<a href="${escapeHtml(config.policy_url)}">${escapeHtml(text("banner.policy_link", "privacy policy"))}</a>`
    : escapeHtml(text("banner.policy_link", "privacy policy"));
  const categories = {};
  const sections = [{ description: escapeHtml(text("prefs.text")) }];
  for (const category of config.categories ?? []) {
    const services = {};
    const rows = [];
    for (const service of category.services ?? []) {
      services[service.id] = { label: escapeHtml(service.name ?? service.id) };
      for (const cookie of service.cookies ?? []) {
        rows.push({
          name: escapeHtml(cookie.name ?? cookie.pattern ?? ""),
          provider: escapeHtml(cookie.provider ?? service.provider ?? ""),
          purpose: escapeHtml(cookie.purpose ?? ""),
          duration: escapeHtml(duration(cookie.duration ?? "", t)),
          party: escapeHtml(text(`party.${cookie.party}`, cookie.party ?? "")),
        });
      }
    }
    categories[category.id] = category.required
      ? { enabled: true, readOnly: true, services }
      : { services };
    const section = {
      title: escapeHtml(text(`category.${category.id}.title`, category.title ?? category.id)),
      description: escapeHtml(text(`category.${category.id}.description`, category.description ?? "")),
      linkedCategory: category.id,
    };
    if (rows.length) {
      section.cookieTable = {
        headers: {
          name: text("table.name"), provider: text("table.provider"), purpose: text("table.purpose"),
          duration: text("table.duration"), party: text("table.party"),
        },
        body: rows,
      };
    }
    sections.push(section);
  }
  return {
    // Headless Chromium reports navigator.webdriver; orestbida hides itself from bots by default.
    hideFromBots: false,
    revision: Number.isInteger(config.revision) ? config.revision : 0,
    guiOptions: {
      consentModal: { layout: "cloud inline", position: "bottom center", equalWeightButtons: true },
      preferencesModal: { layout: "box", equalWeightButtons: true },
    },
    categories,
    language: {
      default: "en",
      translations: {
        en: {
          consentModal: {
            title: escapeHtml(text("banner.title")),
            description: escapeHtml(text("banner.text").replace("{purposes}", purposes)).replace("{policy}", policy),
            acceptAllBtn: escapeHtml(text("action.accept_all")),
            acceptNecessaryBtn: escapeHtml(text("action.reject_all")),
            showPreferencesBtn: escapeHtml(text("action.customize")),
            closeIconLabel: escapeHtml(text("action.close")),
          },
          preferencesModal: {
            title: escapeHtml(text("prefs.title")),
            acceptAllBtn: escapeHtml(text("action.accept_all")),
            acceptNecessaryBtn: escapeHtml(text("action.reject_all")),
            savePreferencesBtn: escapeHtml(text("action.save")),
            closeIconLabel: escapeHtml(text("action.close")),
            sections,
          },
        },
      },
    },
  };
}

/** The demo page with Crumb taken out and orestbida put in where Crumb's first tag was. */
function referencePage(html) {
  const MARK = "\u0000crumb\u0000";
  let page = html
    .replace(/[ \t]*<script\b[^>]*\bid=["']crumb-config["'][^>]*>[\s\S]*?<\/script>[ \t]*\n?/gi, MARK)
    .replace(/[ \t]*<script\b[^>]*\bsrc=["'][^"']*\/crumb\/[^"']*["'][^>]*>\s*<\/script>[ \t]*\n?/gi, MARK)
    .replace(/[ \t]*<link\b[^>]*\bhref=["'][^"']*\/crumb\/[^"']*["'][^>]*>[ \t]*\n?/gi, MARK)
    // The preload of the demo's prepaint (its other preloads are under /crumb/).
    .replace(/[ \t]*<link\b[^>]*\bhref=["'][^"']*prepaint\.json["'][^>]*>[ \t]*\n?/gi, "")
    // The footer's "Cookie settings" link: orestbida's attribute for the same thing.
    .replace(/\bdata-crumb=["']preferences["']/g, 'data-cc="show-preferencesModal"');
  const left = /<(?:script|link)\b[^>]*\/crumb\/[^>]*>|id=["']crumb-config["']/i.exec(page);
  if (left) throw new Error(`the reference page still loads Crumb after the rewrite: ${left[0]}`);
  const at = page.indexOf(MARK);
  if (at < 0) throw new Error("dist/index.html has no Crumb tag to replace");
  if (!/<\/body>/i.test(page)) throw new Error("dist/index.html has no </body>");
  // As orestbida's Getting Started shows it: the CSS in <head>, with its recommended deferred
  // loading; the plugin and the init file at the end of <body>, both defer.
  const css = [
    "  <!-- The reference banner: orestbida vanilla-cookieconsent 3.1, installed as its Getting Started shows. -->",
    '  <link rel="stylesheet" href="/reference/cookieconsent.css" media="print" onload="this.media=\'all\'">',
    "",
  ].join("\n");
  const scripts = [
    '  <script defer src="/reference/cookieconsent.umd.js"></script>',
    '  <script defer src="/reference/init.js"></script>',
    "",
  ].join("\n");
  page = page.slice(0, at) + css + page.slice(at).split(MARK).join("");
  return page.replace(/<\/body>/i, `${scripts}</body>`);
}

async function main() {
  const { dist, out } = parseArgs(process.argv.slice(2));
  const html = await readFile(join(dist, "index.html"), "utf8");
  const config = await demoConfig(html, dist);
  const texts = JSON.parse(await readFile(join(dist, "crumb", "i18n", "en.json"), "utf8"));
  const pkgDir = dirname(require.resolve("vanilla-cookieconsent/package.json"));
  const pkg = JSON.parse(await readFile(join(pkgDir, "package.json"), "utf8"));

  await rm(out, { recursive: true, force: true });
  // A copy of dist/ without compressed siblings: the server writes fresh ones at start.
  await cp(dist, out, { recursive: true, filter: (src) => !/\.(br|gz)$/.test(src) });
  const ref = join(out, "reference");
  await mkdir(ref, { recursive: true });
  await cp(join(pkgDir, "dist", "cookieconsent.umd.js"), join(ref, "cookieconsent.umd.js"));
  await cp(join(pkgDir, "dist", "cookieconsent.css"), join(ref, "cookieconsent.css"));
  const init = `// The benchmark's reference banner (generated by bench/reference/build.mjs from the demo's config and
// Crumb's en.json): vanilla-cookieconsent ${pkg.version}, the same four categories and texts.
CookieConsent.run(${JSON.stringify(referenceConfig(config, texts), null, 2)});
`;
  await writeFile(join(ref, "init.js"), init);
  await writeFile(join(ref, "index.html"), referencePage(html));
  console.log(`reference page: ${pkg.name} ${pkg.version}, categories ${(config.categories ?? []).map((c) => c.id).join(", ")} -> ${ref}`);
}

main().catch((error) => {
  console.error(`reference build: ${error?.stack ?? error}`);
  process.exit(1);
});
