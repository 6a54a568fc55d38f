// The playground in headless Chromium, driven by Playwright (playwright-core from npm):
// serves web/dist on localhost, runs the nginx example as a learner would (Run), reads the
// run's files back through the page's download links and compares them byte for byte with
// the command line's run of the same scenario. Also: every example runs (times printed),
// a broken scenario shows kubesim's message, and no request leaves the page's own folder.
//
// Usage: node web/test/playground.mjs DIST CLI_RUN_DIR SCREENSHOT_DIR
//   DIST          web/dist, built by scripts/build-web.sh
//   CLI_RUN_DIR   `kubesim run scenarios/nginx-rolling-update.yaml`'s folder
//   SCREENSHOT_DIR where the page's screenshots go
import { chromium } from "playwright-core";
import { createServer } from "node:http";
import { mkdtempSync, readFileSync, rmSync, statSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve } from "node:path";

const [dist, cliRun, shots] = process.argv.slice(2).map((p) => resolve(p));
if (!dist || !cliRun || !shots) {
  console.error("usage: node web/test/playground.mjs DIST CLI_RUN_DIR SCREENSHOT_DIR");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

// The files that must be the same bytes as the command line's.
const DATA_FILES = ["summary.json", "timeseries.csv", "timeseries-long.csv", "pods.csv", "events.csv"];

let passed = 0;
let failed = 0;
function check(ok, what) {
  if (ok) {
    passed++;
    console.log(`ok: ${what}`);
  } else {
    failed++;
    console.log(`FAILED: ${what}`);
  }
}

// A static server for DIST on 127.0.0.1, remembering every path asked for.
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm" };
const served = [];
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, "http://localhost").pathname);
  served.push(path);
  const file = normalize(join(dist, path === "/" ? "index.html" : path));
  if (!file.startsWith(dist) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-type": TYPES[extname(file)] || "application/octet-stream" });
  res.end(readFileSync(file));
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const origin = `http://127.0.0.1:${server.address().port}`;

const profile = mkdtempSync(join(tmpdir(), "kubesim-playground-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
  viewport: { width: 1400, height: 1000 },
});
const page = context.pages()[0] ?? (await context.newPage());
const requests = [];
page.on("request", (r) => requests.push(r.url()));
const errors = [];
page.on("pageerror", (e) => errors.push(String(e)));
page.on("console", (m) => m.type() === "error" && errors.push(m.text()));

try {
  const opened = Date.now();
  await page.goto(`${origin}/`);
  await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
  console.log(`the page and its .wasm loaded in ${Date.now() - opened} ms`);
  await page.screenshot({ path: join(shots, "playground-ready.png") });

  // Run the nginx example as a learner does: pick it, press Run.
  async function runExample(path) {
    await page.selectOption("#example", path);
    const started = Date.now();
    await page.click("#run");
    await page.waitForSelector('body[data-state="done"], body[data-state="failed"]', { timeout: 120_000 });
    const wall = Date.now() - started;
    const state = await page.getAttribute("body", "data-state");
    const status = await page.textContent("#status");
    return { state, wall, status };
  }

  const nginx = await runExample("nginx-rolling-update.yaml");
  check(nginx.state === "done", `the nginx example ran (${nginx.status})`);
  console.log(`nginx example: ${nginx.wall} ms from the click to the results`);

  // The files, read back through the page's download links.
  const files = await page.evaluate(async () => {
    const out = {};
    for (const a of document.querySelectorAll("#downloads a[data-name]")) {
      const bytes = new Uint8Array(await (await fetch(a.href)).arrayBuffer());
      let text = "";
      for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      out[a.dataset.name] = btoa(text);
    }
    return out;
  });
  const fromPage = (name) => Buffer.from(files[name] ?? "", "base64");
  for (const name of DATA_FILES) {
    const cli = readFileSync(join(cliRun, name));
    const same = name in files && Buffer.compare(cli, fromPage(name)) === 0;
    check(same, `${name} from the page is byte-identical to the command line's (${cli.length} bytes)`);
  }
  // The rest, said as it is: the charts' text is laid out by the browser in places (README,
  // "In WebAssembly ..."), report.html embeds the charts and the narration, run.json
  // describes this run (time, threads).
  const others = Object.keys(files).filter((n) => !DATA_FILES.includes(n)).sort();
  const differing = [];
  for (const name of others) {
    const cliFile = join(cliRun, name);
    if (!statSync(cliFile, { throwIfNoEntry: false })) continue;
    if (Buffer.compare(readFileSync(cliFile), fromPage(name)) !== 0) differing.push(name);
  }
  const onlyHere = others.filter((n) => !statSync(join(cliRun, n), { throwIfNoEntry: false }));
  console.log(`other files: ${others.length - differing.length - onlyHere.length} identical, differing: ${differing.join(", ") || "none"}; only in the page: ${onlyHere.join(", ") || "none"}`);
  check("narration.log" in files, "the page's run has its narration (narration.log)");

  // The report is shown in the page.
  const frame = page.frameLocator("#report");
  // The report's script marks #render-status "ok" once drawn (as .ci/browser-test checks).
  await frame.locator("#render-status", { hasText: "ok" }).waitFor({ timeout: 30_000 });
  check(true, "the run's report.html is shown in the page and rendered");
  await page.screenshot({ path: join(shots, "playground-nginx.png") });
  await page.locator("#report-section").scrollIntoViewIfNeeded();
  // The report's frame paints once it is on screen (Chromium defers an off-screen frame's).
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(shots, "playground-report.png") });
  await page.evaluate(() => window.scrollTo(0, 0));

  // Every example runs; how long each takes.
  const options = await page.$$eval("#example option", (os) => os.map((o) => o.value));
  for (const path of options) {
    const r = await runExample(path);
    const ms = Number((r.status.match(/in (\d+) ms/) || [])[1]);
    check(r.state === "done", `${path} ran: simulation and files ${ms} ms, ${r.wall} ms from the click to the results shown`);
  }

  // A broken scenario: kubesim's message, with file, line and column.
  await page.selectOption("#example", "nginx-rolling-update.yaml");
  await page.fill("#editor", "name: broken\nduration: 6 minutes\n");
  await page.click("#run");
  await page.waitForSelector('body[data-state="failed"]');
  const message = await page.textContent("#messages");
  check(/^error: nginx-rolling-update\.yaml:2:\d+: /.test(message), `a broken scenario shows kubesim's message: ${message.split("\n")[0]}`);
  await page.screenshot({ path: join(shots, "playground-error.png") });
  // The message's place is a link that selects that line in the editor.
  await page.click("#messages a");
  const selected = await page.$eval("#editor", (e) => e.value.slice(e.selectionStart, e.selectionEnd));
  check(selected === "6 minutes", `the message's link selects the place in the editor ("${selected}")`);

  // Nothing sent anywhere: every request is the page's own files.
  const elsewhere = requests.filter((u) => !u.startsWith(origin + "/") && !u.startsWith("blob:") && !u.startsWith("data:"));
  check(elsewhere.length === 0, `no request leaves the page's folder (${elsewhere.join(", ") || "none did"})`);
  const unexpected = [...new Set(served)].filter((p) => !/^\/(|index\.html|playground\.(js|css)|examples\.js|pkg\/kubesim_wasm(_bg\.wasm|\.js)|favicon\.ico)$/.test(p));
  check(unexpected.length === 0, `the server was asked only for the page's files (${[...new Set(served)].join(" ")})`);
  check(errors.length === 0, `no JavaScript error (${errors.join("; ") || "none"})`);
} catch (e) {
  failed++;
  console.log(`FAILED: ${e.stack || e}`);
  await page.screenshot({ path: join(shots, "playground-failure.png"), fullPage: true }).catch(() => {});
} finally {
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}

console.log(`playground: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
