// The playground: an editor for a scenario and the files it names, a Run button that runs
// kubesim's core (WebAssembly, pkg/) on them in this page, and what the run wrote: its
// headline figures, every output file to download, and its report.html.
import init, { run, version, last_panic } from "./pkg/kubesim_wasm.js";

const $ = (id) => document.getElementById(id);
const examples = window.KUBESIM_EXAMPLES || [];

// Each example as the learner has edited it: { path, text, files: {name: text} }, by path.
const edited = new Map();
let current = null; // the example shown
let activeTab = null; // null: the scenario; else a file's name
let urls = []; // blob URLs of the last run, revoked at the next

// The headline figures shown after a run: summary.json's key, a label, how to show the value,
// and what it means.
const FIGURES = [
  ["availability", "availability", (v) => `${(v * 100).toFixed(2)} %`, "the share of requests that succeeded"],
  ["requests_total", "requests", count, "sent by the scenario's traffic"],
  ["requests_failed", "failed requests", count, "none failed"],
  ["latency_p50_ms", "median latency", (v) => `${v} ms`, "half of the successful requests took less"],
  ["latency_p99_ms", "p99 latency", (v) => `${v} ms`, "99 successful requests in 100 took less"],
  ["service_unavailable_s", "Service down", (v) => `${v} s`, "time with no endpoint, summed over the Services"],
  ["pods_created", "pods created", count, "over the run, by every controller"],
  ["pod_restarts", "container restarts", count, "containers the kubelet restarted"],
  ["pods_evicted", "pods evicted", count, "from failed nodes and by drains"],
  ["pods_unschedulable_max", "most pods Pending", count, "at once, waiting for a node that fits"],
  ["rollouts_completed", "rollouts completed", count, "rollouts that finished"],
  ["rollout_duration_s", "rollout time", (v) => `${v} s`, "from its start to its end, the mean of the rollouts"],
  ["sim_time_s", "simulated time", (v) => `${v} s`, "of the cluster's life"],
  ["events_processed", "events", count, "the simulation processed"],
];

function count(v) {
  return Number(v).toLocaleString("en-US");
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function setState(state, text) {
  document.body.dataset.state = state;
  $("status").textContent = text;
}

function showExample(path) {
  saveEditor();
  const example = examples.find((e) => e.path === path);
  if (!edited.has(path)) {
    edited.set(path, { path, text: example.text, files: { ...example.files } });
  }
  current = edited.get(path);
  activeTab = null;
  $("example-description").textContent = example.description;
  renderTabs();
}

function saveEditor() {
  if (!current) return;
  const value = $("editor").value;
  if (activeTab === null) current.text = value;
  else current.files[activeTab] = value;
}

function renderTabs() {
  const tabs = $("tabs");
  tabs.replaceChildren();
  const tab = (name, label, removable) => {
    const selected = activeTab === name;
    const button = el("button", {
      type: "button",
      role: "tab",
      "aria-selected": String(selected),
      class: selected ? "tab selected" : "tab",
      title: name === null ? "the scenario" : name,
      onclick: () => {
        saveEditor();
        activeTab = name;
        renderTabs();
      },
    }, label);
    const wrap = el("span", { class: "tab-wrap" }, button);
    if (removable) {
      wrap.append(el("button", {
        type: "button",
        class: "remove",
        title: `remove ${name}`,
        "aria-label": `remove ${name}`,
        onclick: () => {
          saveEditor();
          delete current.files[name];
          if (activeTab === name) activeTab = null;
          renderTabs();
        },
      }, "×"));
    }
    tabs.append(wrap);
  };
  tab(null, current.path, false);
  for (const name of Object.keys(current.files)) tab(name, name, true);
  tabs.append(el("button", {
    type: "button",
    class: "add",
    title: "add a file of manifests that the scenario names",
    onclick: () => {
      const name = prompt("The file's path, as the scenario names it (e.g. manifests/app.yaml):", "manifests/app.yaml");
      if (!name) return;
      saveEditor();
      current.files[name] = current.files[name] ?? "";
      activeTab = name;
      renderTabs();
    },
  }, "+ file"));
  $("editor").value = activeTab === null ? current.text : current.files[activeTab];
}

function runNow() {
  saveEditor();
  const seedText = $("seed").value.trim();
  let seed;
  if (seedText !== "") {
    if (!/^\d+$/.test(seedText) || BigInt(seedText) >= 2n ** 64n) {
      showMessages("error: the seed is a whole number from 0 to 18446744073709551615", false);
      setState("failed", "");
      return;
    }
    seed = BigInt(seedText);
  }
  $("run").disabled = true;
  setState("running", "Running…");
  // Let the page paint "Running…" before the run takes the thread.
  setTimeout(() => {
    const started = performance.now();
    let result;
    try {
      result = run(current.path, current.text, JSON.stringify(current.files), seed);
    } catch (e) {
      const why = safePanic() || String(e);
      showMessages(`kubesim stopped with an internal error (a bug: please report it with the scenario):\n${why}\n\nReload the page to run again.`, false);
      setState("failed", "");
      return;
    }
    const ms = performance.now() - started;
    $("run").disabled = false;
    show(result, ms);
  }, 20);
}

function safePanic() {
  try {
    return last_panic();
  } catch {
    return "";
  }
}

// kubesim's messages, each `file:line:column` a link to that place in the editor.
function showMessages(text, ok) {
  const box = $("messages");
  box.hidden = text === "";
  box.className = ok ? "warnings" : "errors";
  box.replaceChildren();
  for (const line of text.split("\n")) {
    const m = line.match(/^((?:error|warning|note): )(.+?):(\d+):(\d+)(: .*)$/);
    if (m && current && (m[2] === current.path || m[2] in current.files)) {
      const [, label, file, row, column, rest] = m;
      const link = el("a", { href: "#", title: "show this place in the editor", onclick: (e) => {
        e.preventDefault();
        goTo(file, Number(row), Number(column));
      } }, `${file}:${row}:${column}`);
      box.append(label, link, rest, "\n");
    } else {
      box.append(line, "\n");
    }
  }
}

// Shows `file` in the editor with its line `row` selected from `column` on.
function goTo(file, row, column) {
  saveEditor();
  activeTab = file === current.path ? null : file;
  renderTabs();
  const editor = $("editor");
  const lines = editor.value.split("\n");
  const start = lines.slice(0, row - 1).reduce((n, l) => n + l.length + 1, 0);
  const end = start + (lines[row - 1] ?? "").length;
  editor.focus();
  editor.setSelectionRange(Math.min(start + column - 1, end), end);
  const lineHeight = parseFloat(getComputedStyle(editor).lineHeight) || 19;
  editor.scrollTop = Math.max(0, (row - 4) * lineHeight);
}

function show(result, ms) {
  for (const u of urls) URL.revokeObjectURL(u);
  urls = [];
  showMessages(result.messages, result.ok);
  if (!result.ok) {
    $("figures").replaceChildren();
    $("downloads").replaceChildren();
    $("report-section").hidden = true;
    $("narration-section").hidden = true;
    setState("failed", "The scenario has errors: see the messages.");
    return;
  }
  const files = result.files;
  const text = (name) => new TextDecoder().decode(files[name]);
  const summary = JSON.parse(text("summary.json"));
  showFigures(summary);
  showDownloads(result.names, files);
  showNarration(files["narration.log"] ? text("narration.log") : "");
  const report = blobUrl(files["report.html"], "text/html");
  $("report").src = report;
  $("report-open").href = report;
  $("report-section").hidden = false;
  setState("done", `Simulated ${summary.sim_time_s} s of "${summary.scenario}" (seed ${summary.seed}) in ${Math.round(ms)} ms.`);
}

// At most this many narration lines are shown at once (a large run has many more; the
// filter and the downloaded narration.log have them all).
const NARRATION_SHOWN = 3000;
let narration = [];

function showNarration(log) {
  narration = log === "" ? [] : log.replace(/\n$/, "").split("\n");
  $("narration-section").hidden = narration.length === 0;
  filterNarration();
}

function filterNarration() {
  const needle = $("narration-filter").value.trim().toLowerCase();
  const lines = needle === "" ? narration : narration.filter((l) => l.toLowerCase().includes(needle));
  const shown = lines.slice(0, NARRATION_SHOWN);
  $("narration").textContent = shown.join("\n");
  const of = needle === "" ? `${count(narration.length)} lines` : `${count(lines.length)} of ${count(narration.length)} lines`;
  $("narration-count").textContent = lines.length > shown.length ? `${of}, the first ${count(shown.length)} shown` : of;
}

function blobUrl(bytes, type) {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  urls.push(url);
  return url;
}

function showFigures(summary) {
  const reasons = Object.entries(summary.requests_failed_by_reason || {});
  const meaning = (key, fixed) =>
    key === "requests_failed" && reasons.length > 0 ? reasons.map(([why, n]) => `${why}: ${count(n)}`).join(", ") : fixed;
  const cards = FIGURES.filter(([key]) => summary[key] !== undefined && summary[key] !== null).map(
    ([key, label, format, text]) =>
      el("div", { class: "figure", title: key },
        el("div", { class: "value" }, format(summary[key])),
        el("div", { class: "label" }, label),
        el("div", { class: "meaning" }, meaning(key, text))),
  );
  $("figures").replaceChildren(
    el("h2", {}, "What happened"),
    el("div", { class: "cards" }, ...cards),
  );
}

const TYPES = { json: "application/json", csv: "text/csv", html: "text/html", png: "image/png", svg: "image/svg+xml", log: "text/plain", txt: "text/plain" };

function showDownloads(names, files) {
  const list = el("ul", { class: "files" });
  // Data first, then the report, the logs and the charts.
  const rank = (n) => (n.startsWith("charts/") ? 3 : n.endsWith(".html") ? 1 : n.endsWith(".log") || n === "run.json" ? 2 : 0);
  const sorted = [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  for (const name of sorted) {
    const bytes = files[name];
    const type = TYPES[name.split(".").pop()] || "application/octet-stream";
    const a = el("a", { href: blobUrl(bytes, type), download: name.replaceAll("/", "-"), "data-name": name }, name);
    list.append(el("li", {}, a, el("span", { class: "size" }, ` ${size(bytes.length)}`)));
  }
  $("downloads").replaceChildren(el("h2", {}, "The run's files"), list);
}

function size(n) {
  return n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KB` : `${(n / (1 << 20)).toFixed(1)} MB`;
}

async function main() {
  setState("loading", "Loading kubesim…");
  const select = $("example");
  for (const e of examples) {
    select.append(el("option", { value: e.path }, e.path.replace(/\.yaml$/, "")));
  }
  select.addEventListener("change", () => showExample(select.value));
  if (examples.length > 0) showExample(examples[0].path);
  $("run").addEventListener("click", runNow);
  $("narration-filter").addEventListener("input", filterNarration);
  $("editor").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      runNow();
    }
  });
  try {
    await init();
  } catch (e) {
    showMessages(`kubesim could not be loaded: ${e}`, false);
    setState("failed", "");
    return;
  }
  $("version").textContent = version();
  $("run").textContent = "Run";
  $("run").title = "run the scenario (Ctrl+Enter in the editor)";
  $("run").disabled = false;
  setState("ready", "Ready: press Run (or Ctrl+Enter).");
}

main();
