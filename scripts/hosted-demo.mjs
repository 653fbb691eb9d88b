// The demo shop once more, its config hosted by crumb-server: scripts/demo.sh runs
//   node scripts/hosted-demo.mjs <server-url> <admin-token>
// once the server answers. It writes dist/demo/hosted/index.html (the demo page with no inline
// config, loading /api/sites/crumb-demo/config instead) and, when crumb-demo has no published
// config yet, imports the demo page's inline config through the admin API and publishes it as
// version 1. A marketer then edits it at /admin/sites/crumb-demo and sees each publish on the
// hosted page's next view.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";

const [base, token] = process.argv.slice(2);
const site = "crumb-demo";
const page = readFileSync("dist/index.html", "utf8");

const start = page.indexOf('<script type="application/json" id="crumb-config">');
const end = page.indexOf("</script>", start);
if (start < 0 || end < 0) throw new Error("dist/index.html has no inline config");
const hosted = (page.slice(0, start) + page.slice(end + "</script>".length))
  .split("\n")
  .filter((line) => !(line.includes("<link") && line.includes("prepaint")))
  .map((line) => line.replace(/data-prepaint="[^"]*"/, `data-config="/api/sites/${site}/config"`))
  .join("\n");
mkdirSync("dist/demo/hosted", { recursive: true });
writeFileSync("dist/demo/hosted/index.html", hosted);

const api = (method, path, body) =>
  fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body && JSON.stringify(body),
  });
const served = await fetch(`${base}/api/sites/${site}/config`);
if (served.status === 404) {
  const imported = await api("POST", `/api/admin/sites/${site}/import`, { text: page });
  if (!imported.ok) throw new Error(`import: ${imported.status} ${await imported.text()}`);
  const published = await api("POST", `/api/admin/sites/${site}/publish`, { based_on: 0, note: "The demo shop's inline config" });
  if (!published.ok) throw new Error(`publish: ${published.status} ${await published.text()}`);
}
