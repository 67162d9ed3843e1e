// The dashboard of `orca serve` in a real browser (Debian's headless Chromium, driven by
// playwright-core): a demo store with a fault injected on the incidents source, the page asks
// through the stream, and the test checks what a user sees: the plan, the partial notice, the
// timeline rows, a chart with one mark per bucket of the report's series, a document opened from
// its passage (by keyboard), the token prompt when the server checks tokens, no WCAG 2.1 A/AA
// violations that axe-core finds, and no console errors. It saves screenshots at 1400 and 400
// pixels wide.
//
// Usage: node dashboard.test.mjs   (env: ORCA = the orca binary, OUT = the screenshot folder)

import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const ORCA = resolve(process.env.ORCA || "target/debug/orca");
const OUT = resolve(process.env.OUT || "target/dashboard-screenshots");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const NOW = "2026-11-24T12:00:00Z";
const MULTI = "Show cases, ICMs and ADO bugs for Ford and GM";
const TREND = "Ford cases per week this quarter";
const DOCS = "known issues with sensitivity labels";
// axe-core (from npm, run inside the page) checks labels, names, roles and contrast (WCAG 2.1 A/AA).
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures += 1;
}

const work = mkdtempSync(join(tmpdir(), "orca-dashboard-"));
const servers = [];

function orca(args) {
  return execFileSync(ORCA, args, { cwd: work, env: cleanEnv(), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}
function cleanEnv() {
  const env = { ...process.env };
  delete env.ORCA_DATA;
  delete env.ORCA_REDIS_URL;
  return env;
}

/** Starts `orca serve` on a free loopback port; resolves to its base URL. */
function serve(extra, serveArgs = []) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(ORCA, ["--data", join(work, "store"), "--now", NOW, ...extra, "serve", "--addr", "127.0.0.1:0", ...serveArgs],
      { cwd: work, env: cleanEnv(), stdio: ["ignore", "ignore", "pipe"] });
    servers.push(child);
    let seen = "";
    const lines = createInterface({ input: child.stderr });
    lines.on("line", (line) => {
      seen += line + "\n";
      const m = line.match(/listening on (http:\/\/\S+)/);
      if (m) resolvePromise(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`orca serve exited (${code}): ${seen}`)));
    setTimeout(() => reject(new Error(`orca serve did not start: ${seen}`)), 30000);
  });
}

/** Parses an SSE body into [event, data] pairs. */
function sseEvents(text) {
  return text.split("\n\n").map((block) => {
    let event = null;
    let data = "";
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data += line.slice(6);
    }
    return event && data ? [event, JSON.parse(data)] : null;
  }).filter(Boolean);
}

/** Types a question, asks, waits for the stream to end; returns the report of that stream. */
async function ask(page, request) {
  await page.fill("#request", request);
  const streamed = page.waitForResponse((r) => r.url().includes("/v1/ask/stream"));
  await page.press("#request", "Enter");
  const response = await streamed;
  const events = sseEvents(await response.text());
  const report = events.find(([e]) => e === "report")?.[1];
  if (!report) throw new Error(`no report for '${request}': ${JSON.stringify(events.map(([e]) => e))}`);
  // The page has drawn the report when the timeline summary tells the total.
  await page.waitForFunction(() => !document.getElementById("ask-button").disabled && /ran|One task/.test(document.getElementById("timeline-summary").textContent));
  return report;
}

/** WCAG 2.1 A and AA violations on the page as it is now, as one line each. */
async function accessibility(page, label) {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }));
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
  check(found.length === 0, `no accessibility violations (${label})${found.length ? ":\n  " + found.join("\n  ") : ""}`);
}

async function shot(page, name) {
  await page.screenshot({ path: join(OUT, name), fullPage: true });
  console.log(`     screenshot ${join(OUT, name)}`);
}

/** One part of the page alone (a full page at 400 px is too tall to look at). */
async function part(page, selector, name) {
  await page.locator(selector).screenshot({ path: join(OUT, name) });
}

// The browser logs an HTTP error status of fetch() as a console error; the one refusal the test
// asks for on purpose is expected, anything else is not.
let expectedStatus = null;

function watchConsole(page, label, errors) {
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    if (expectedStatus && m.text().includes(`status of ${expectedStatus}`)) return;
    errors.push(`${label}: console: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`${label}: page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    // A request the browser dropped because the page reloaded (the live panel polls) is not an
    // error; anything else that fails is.
    const reason = r.failure()?.errorText || "";
    if (reason !== "net::ERR_ABORTED") errors.push(`${label}: request failed: ${r.url()} ${reason}`);
  });
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  orca(["--data", join(work, "store"), "--now", NOW, "data", "generate"]);
  writeFileSync(join(work, "faulty.toml"), '[engine]\nfaults = ["icm=error"]\nseed = 7\n');
  const base = await serve(["--config", join(work, "faulty.toml")]);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const errors = [];
  try {
    // --- no tokens: laptop width -------------------------------------------------------------
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    // Nothing leaves the machine: any request to another origin fails the test.
    await context.route((url) => !url.href.startsWith(base), (route) => { errors.push(`external request: ${route.request().url()}`); route.abort(); });
    const page = await context.newPage();
    watchConsole(page, "1400", errors);
    await page.goto(base + "/");
    await page.waitForFunction(() => /live/.test(document.getElementById("conn").textContent));
    check(await page.isHidden("#token-form"), "no token asked for when the server checks none");

    const multi = await ask(page, MULTI);
    const planText = await page.textContent("#plan");
    check(/Ford Motor Company/.test(planText) && /General Motors/.test(planText) && /alias/.test(planText),
      "the plan shows the customers with their match kind");
    check(/parallel/.test(planText) && /complex/.test(planText), "the plan shows the strategy and the complexity");
    const notice = await page.textContent(".partial-notice");
    check(/Partial answer/.test(notice) && /Incidents/.test(notice) && /injected fault icm=error/.test(notice),
      `the partial notice says what is missing: ${notice.replace(/\s+/g, " ").trim()}`);
    const rows = await page.$$eval(".tl-row", (els) => els.map((e) => ({ task: e.dataset.task, status: e.dataset.status, text: e.textContent })));
    check(rows.length === multi.plan.tasks.length && rows.length === 6, `one timeline row per task (${rows.length})`);
    const icmRows = rows.filter((r) => /Incidents/.test(r.text));
    check(icmRows.length === 2 && icmRows.every((r) => r.status === "error" && /3 attempts/.test(r.text)),
      "the failing incidents tasks show as errors after 3 attempts");
    check(rows.filter((r) => r.status === "ok").length === 4, "the other four tasks answered");
    const summary = await page.textContent("#timeline-summary");
    check(/6 tasks ran in parallel/.test(summary) && /one after another/.test(summary), `the timeline says what parallel saved: ${summary.trim()}`);
    check(await page.locator("#sections .section").count() === 6, "one section per task");
    await accessibility(page, "multi-source answer, 1400 px");
    await shot(page, "multi-1400.png");

    const trend = await ask(page, TREND);
    const series = trend.sections[0].series;
    const marks = await page.locator(".trend-chart .mark.bucket").count();
    check(series.length > 0 && marks === series.length, `the trend chart has one mark per bucket (${marks} marks, ${series.length} buckets in the report)`);
    const chartLabel = await page.getAttribute(".trend-chart svg", "aria-label");
    check(/week/.test(chartLabel), `the chart is labelled: ${chartLabel}`);
    check(/2026-10-01|Oct/.test(await page.textContent("#plan")), "the plan's time range is the quarter of --now");
    await accessibility(page, "trend chart, 1400 px");
    await shot(page, "trend-1400.png");

    // --- breakdown, ranking, comparison and investigation, each drawn ---------------------------
    const breakdown = await ask(page, "breakdown of Toyota cases by product area");
    check(await page.locator(".breakdown-chart .mark").count() === breakdown.sections[0].groups.length,
      "a breakdown has one bar per group");
    const rank = await ask(page, "top 5 customers by Sev A cases");
    check(await page.locator(".ranking-chart .mark").count() === rank.sections[0].ranking.length,
      "a ranking has one bar per customer");
    const compare = await ask(page, "Ford cases this month vs last month");
    const change = compare.sections.map((s) => s.change).find(Boolean);
    check(await page.locator(".compare .side").count() === 2 && (await page.textContent(".change")).includes(String(change.delta)),
      `a comparison shows both sides and the change (${(await page.textContent(".change")).trim()})`);
    const why = await ask(page, "why did Contoso's Sev A cases spike last month");
    const evidence = await page.locator(".findings .evidence a").count();
    check(why.findings.length > 0 && await page.locator(".findings li").count() === why.findings.length &&
      evidence === why.findings.reduce((n, f) => n + f.evidence.length, 0),
      `an investigation lists its ${why.findings.length} findings with links to their evidence`);
    const dependent = why.plan.tasks.find((t) => t.depends_on.length);
    check(dependent && /after t1/.test(await page.textContent(`#task-${dependent.id}`)), "a dependent task says what it waited for");
    await page.locator(".findings .evidence a").last().click();
    const target = await page.locator(".findings .evidence a").last().getAttribute("data-task");
    check(await page.evaluate((id) => document.activeElement?.id === "task-" + id, target), "an evidence link takes the focus to its task");
    await shot(page, "investigate-1400.png");

    // --- a list: its rows in a table sorted as asked, sortable by keyboard -----------------------
    const list = await ask(page, "show me the 5 oldest open cases for GM");
    const table = page.locator("#visual table.sortable");
    const createdAt = () => table.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => {
      const i = [...tr.closest("table").querySelectorAll("thead th")].findIndex((th) => th.dataset.col === "CreatedAt");
      return tr.cells[i].dataset.v;
    }));
    const asked = await createdAt();
    check(asked.length === list.sections[0].rows.length && asked.join() === [...asked].sort().join(),
      `the list shows its ${asked.length} rows, oldest first as asked`);
    await table.locator("th[data-col=CreatedAt] button").focus();
    await page.keyboard.press("Enter");
    const resorted = await createdAt();
    check(resorted.join() === [...asked].reverse().join() && await table.locator("th[data-col=CreatedAt]").getAttribute("aria-sort") === "descending",
      "Enter on a column heading sorts the other way");

    // --- a document, opened from its passage ---------------------------------------------------
    await ask(page, DOCS);
    const link = page.locator("a.doc-link").first();
    const title = (await link.textContent()).trim();
    await link.focus();
    await page.keyboard.press("Enter");
    await page.waitForFunction((t) => document.getElementById("doc-dialog").open && document.getElementById("doc-title").textContent === t, title);
    check((await page.textContent("#doc-body")).length > 100, `the document '${title}' opens from its passage`);
    await shot(page, "doc-1400.png");
    await page.keyboard.press("Escape");
    check(!(await page.evaluate(() => document.getElementById("doc-dialog").open)), "Escape closes the document");

    // --- a question Orca cannot answer: one sentence, nothing ran ------------------------------
    expectedStatus = 422;
    await page.fill("#request", "delete all cases for Ford");
    await page.press("#request", "Enter");
    await page.waitForSelector(".error-box[role=alert]");
    check(/cannot answer/i.test(await page.textContent(".error-box")) && await page.isHidden("#timeline-panel"),
      `a refused question says why in one sentence: ${(await page.textContent(".error-box")).trim()}`);
    await page.waitForFunction(() => !document.getElementById("ask-button").disabled);
    expectedStatus = null;

    // --- phone width --------------------------------------------------------------------------
    await page.setViewportSize({ width: 400, height: 860 });
    await ask(page, TREND);
    check(await page.locator(".trend-chart .mark.bucket").count() === series.length, "the chart keeps one mark per bucket at 400 px");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, `nothing overflows the page at 400 px (${overflow} px)`);
    await accessibility(page, "trend chart, 400 px");
    await shot(page, "trend-400.png");
    await part(page, ".answer-panel", "trend-400-answer.png");
    await page.screenshot({ path: join(OUT, "trend-400-top.png") });
    await ask(page, MULTI);
    check(await page.locator(".tl-row").count() === 6, "the timeline rows at 400 px");
    const overflow2 = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow2 <= 0, `nothing overflows the page at 400 px with the timeline (${overflow2} px)`);
    await accessibility(page, "multi-source answer, 400 px");
    await shot(page, "multi-400.png");
    await part(page, ".plan-panel", "multi-400-plan.png");
    await part(page, ".answer-panel", "multi-400-answer.png");
    await part(page, "#timeline", "multi-400-timeline.png");
    await part(page, ".col-side", "multi-400-live.png");
    await context.close();

    // --- tokens on: the page asks for one and keeps it for the session --------------------------
    const token = orca(["token", "add", "dashboard", "--all", "--tokens", join(work, "tokens.toml")]).trim();
    const authBase = await serve([], ["--tokens", join(work, "tokens.toml")]);
    const authContext = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const authPage = await authContext.newPage();
    watchConsole(authPage, "auth", errors);
    await authPage.goto(authBase + "/");
    await authPage.waitForSelector("#token-form", { state: "visible" });
    await accessibility(authPage, "token prompt");
    await authPage.screenshot({ path: join(OUT, "token-1400.png") });
    check(/needs an access token/.test(await authPage.textContent("#conn")), "the page asks for a token");
    // A wrong token is refused in words, and the page asks again.
    expectedStatus = 401;
    await authPage.getByLabel("Access token").fill("orca_not_a_token");
    await authPage.keyboard.press("Enter");
    await authPage.waitForFunction(() => /valid token/.test(document.getElementById("conn").textContent));
    check(await authPage.isVisible("#token-form") && await authPage.evaluate(() => sessionStorage.getItem("orca-token")) === null,
      "a wrong token is refused and not kept");
    expectedStatus = null;
    await authPage.getByLabel("Access token").fill(token);
    await authPage.keyboard.press("Enter");
    await authPage.waitForFunction(() => /live/.test(document.getElementById("conn").textContent));
    check(await authPage.evaluate(() => sessionStorage.getItem("orca-token")) === token, "the token is kept in session storage");
    const authTrend = await ask(authPage, TREND);
    check(await authPage.locator(".trend-chart .mark.bucket").count() === authTrend.sections[0].series.length, "asks work with the token");
    await authPage.reload();
    await authPage.waitForFunction(() => /live/.test(document.getElementById("conn").textContent));
    check(await authPage.isHidden("#token-form"), "a reload keeps the session's token");
    await shot(authPage, "auth-1400.png");
    await authContext.close();
  } finally {
    await browser.close();
  }
  check(errors.length === 0, `no console errors${errors.length ? ":\n  " + errors.join("\n  ") : ""}`);
}

try {
  await main();
} catch (e) {
  console.log(`FAIL ${e.stack || e}`);
  failures += 1;
} finally {
  for (const s of servers) s.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
}
console.log(failures ? `${failures} check(s) failed` : "dashboard: all checks passed");
process.exit(failures ? 1 : 0);
