// The replay of a run's report.html in headless Chromium, driven by Playwright
// (playwright-core, with Debian's chromium): the scrubber moves the cluster view to the
// right state at three chosen times (the pods on each node counted against pods.csv), and
// clicking a pod shows its life with its narration and filters the events table to it.
// Screenshots of what a learner sees are saved next to the report (replay-*.png).
//
//   node .ci/replay-test.mjs REPORT.html [TIME_S ...]
//   node .ci/replay-test.mjs REPORT.html --open-within MS
//
// The run must have been made with --narrate (the life of a pod shows its narration). With
// --open-within, only checks that the page opens and renders in under MS milliseconds (a
// large run's page: the 5,000-node day's in under 2 s) and saves a screenshot of its replay.
import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [report, ...timeArgs] = process.argv.slice(2);
if (!report) {
  console.error('usage: node .ci/replay-test.mjs REPORT.html [TIME_S ...]');
  process.exit(2);
}
const runDir = dirname(resolve(report));
const openWithin = timeArgs[0] === '--open-within' ? Number(timeArgs[1]) : null;
// The nginx example: the first ReplicaSet up (30 s), mid-rollout (90 s), after the scale to 10 (300 s).
const times = timeArgs.length ? timeArgs.map(Number) : [30, 90, 300];

function fail(message) {
  console.error(`replay test failed: ${message}`);
  process.exitCode = 1;
  throw new Error(message);
}

// pods.csv, parsed (its fields hold no quotes or commas in the examples; a quoted field is
// still read whole).
function parseCsv(text) {
  const rows = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const fields = [];
    let field = '', quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') { field += '"'; i++; }
        else if (c === '"') quoted = false;
        else field += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') { fields.push(field); field = ''; }
      else field += c;
    }
    fields.push(field);
    rows.push(fields);
  }
  const [head, ...body] = rows;
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])));
}
const pods = parseCsv(readFileSync(join(runDir, 'pods.csv'), 'utf8'));

// What pods.csv says is on each node at t: bound by then and not yet deleted.
function expectedPerNode(t) {
  const counts = {};
  for (const p of pods) {
    if (!p.node || p.scheduled_s === '') continue;
    const bound = Number(p.scheduled_s) <= t;
    const gone = p.deleted_s !== '' && Number(p.deleted_s) <= t;
    if (bound && !gone) counts[p.node] = (counts[p.node] || 0) + 1;
  }
  return counts;
}

const profile = mkdtempSync(join(tmpdir(), 'kubesim-replay-test-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
  viewport: { width: 1280, height: 900 },
});
try {
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  const opened = Date.now();
  await page.goto(pathToFileURL(resolve(report)).href);
  await page.waitForFunction(() => document.getElementById('render-status')?.textContent !== 'rendering', null, { timeout: 30000 });
  const status = await page.textContent('#render-status');
  const errors = await page.$$eval('#render-errors li', (lis) => lis.map((li) => li.textContent));
  if (status !== 'ok' || errors.length || pageErrors.length) fail(`the page did not render: ${status} ${errors.concat(pageErrors).join('; ')}`);
  const took = Date.now() - opened;
  console.log(`report rendered in ${took} ms`);
  if (openWithin !== null) {
    if (!(took < openWithin)) fail(`the page took ${took} ms to open and render, more than ${openWithin} ms`);
    await page.locator('#replay').screenshot({ path: join(runDir, 'replay-open.png') });
    await page.locator('#r-scrub').fill(String(Math.round(Number(await page.getAttribute('#r-scrub', 'max')) / 2)));
    await page.locator('#replay').screenshot({ path: join(runDir, 'replay-middle.png') });
    console.log(`the page opened within ${openWithin} ms; screenshots in ${runDir}`);
  } else {
    await scrubAndClick(page);
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}

// The three times, then the click on a pod.
async function scrubAndClick(page) {
  const replay = page.locator('#replay');
  for (const [k, t] of times.entries()) {
    await page.locator('#r-scrub').fill(String(Math.round(t * 1000)));
    const shown = await page.$$eval('#r-cluster .node[data-node]', (boxes) =>
      Object.fromEntries(boxes.map((b) => [b.dataset.node, b.querySelectorAll('.chip').length])));
    const want = expectedPerNode(t);
    for (const node of new Set([...Object.keys(shown), ...Object.keys(want)])) {
      if ((shown[node] || 0) !== (want[node] || 0)) {
        fail(`at ${t} s, node ${node} shows ${shown[node] || 0} pods, pods.csv says ${want[node] || 0}`);
      }
    }
    const label = await page.textContent('#r-time');
    const clock = `${Math.floor(t / 60)}:${String(Math.floor(t % 60)).padStart(2, '0')}`;
    if (!label.startsWith(clock)) fail(`at ${t} s the clock reads "${label}"`);
    // kubectl get pods lists the pods that exist, one line each under its header.
    const lines = (await page.textContent('#r-kubectl')).trim().split('\n');
    const existing = pods.filter((p) => Number(p.created_s) <= t && (p.deleted_s === '' || Number(p.deleted_s) > t)).length;
    if (!/^NAME +READY +STATUS +RESTARTS +AGE$/.test(lines[0]) || lines.length - 1 !== existing) {
      fail(`at ${t} s kubectl get pods shows ${lines.length - 1} pods (header "${lines[0]}"), pods.csv says ${existing}`);
    }
    console.log(`at ${t} s: ${JSON.stringify(shown)} pods per node, as pods.csv says; ${existing} pods in kubectl get pods`);
    await replay.screenshot({ path: join(runDir, `replay-${k + 1}-${t}s.png`) });
  }

  // Click the first pod on the first node: its life shows, with its narration (why it went
  // where it went), and the events table is filtered to it.
  const chip = page.locator('#r-cluster .node[data-node] .chip').first();
  const name = await chip.getAttribute('data-pod');
  await chip.click();
  const detail = page.locator('#r-detail');
  if (!(await detail.isVisible())) fail('clicking a pod shows no life');
  const title = await detail.locator('h3').textContent();
  if (title !== `The life of pod/${name}`) fail(`the life is titled "${title}"`);
  const narration = await detail.locator('li.narration').allTextContents();
  if (!narration.some((l) => l.includes(`scheduler: ${name} -> `))) {
    fail(`the life of ${name} has no scheduling narration: ${JSON.stringify(narration)}`);
  }
  const changes = await detail.locator('li.change').allTextContents();
  if (!changes.some((l) => l.includes('bound to '))) fail(`the life of ${name} does not say where it was bound`);
  const objects = await page.$$eval('#events tbody tr td:nth-child(4)', (tds) => tds.map((td) => td.textContent));
  if (!objects.length || objects.some((o) => o !== `pod/${name}`)) fail(`the events table is not filtered to pod/${name}: ${objects.slice(0, 5)}`);
  console.log(`clicked pod/${name}: ${changes.length} changes, ${narration.length} narration lines, ${objects.length} events`);
  await replay.screenshot({ path: join(runDir, 'replay-pod.png') });
  await page.screenshot({ path: join(runDir, 'replay-page.png'), fullPage: true });
  console.log(`replay test passed; screenshots in ${runDir}`);
}
