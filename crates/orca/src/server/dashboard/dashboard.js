"use strict";
// The Orca dashboard: asks over /v1/ask/stream (plan, progress, sections, report), draws the
// plan, the task timeline and each intent's answer, and polls /v1/stats for the live panel.
// Plain JavaScript, no dependencies; charts are SVG strings built here.

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "orca-token";

const SOURCE_NAMES = { kusto: "Support cases", icm: "Incidents (ICM)", ado: "Work items (ADO)", tenant: "Tenant health", docs: "Docs" };
const AGENT_NAMES = {
  support_case_manager: "support cases", escalation_manager: "incidents", work_item_manager: "work items",
  tenant_health_monitor: "tenant health", purview_expert: "product docs",
};
const MATCH_WORDS = { exact: "exact name", alias: "alias", normalized: "normalized name", fuzzy: "close spelling" };
const STRATEGY_WORDS = {
  direct: "direct: one task", parallel: "parallel: independent tasks at once",
  sequential: "sequential: later tasks use earlier results",
};

// ---------------------------------------------------------------------------------------------
// small helpers

function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
function ms(n) {
  if (typeof n !== "number" || !isFinite(n)) return "–";
  if (n >= 10000) return (n / 1000).toFixed(1) + " s";
  if (n >= 100) return n.toFixed(0) + " ms";
  if (n >= 10) return n.toFixed(0) + " ms";
  return n.toFixed(1) + " ms";
}
function num(n) {
  if (typeof n !== "number") return esc(n);
  return Number.isInteger(n) ? n.toLocaleString("en-US") : n.toLocaleString("en-US", { maximumFractionDigits: 1 });
}
function plural(n, word, many) { return `${num(n)} ${n === 1 ? word : (many || word + "s")}`; }
function words(key) { return String(key).replace(/_/g, " "); }
function hhmm(iso) {
  const d = new Date(iso);
  return isNaN(d) ? "" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false });
}
function hhmmss(iso) {
  const d = new Date(iso);
  return isNaN(d) ? "" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
}
function day(iso, bucket) {
  const d = new Date(iso);
  if (isNaN(d)) return String(iso);
  const opts = bucket === "month" ? { month: "short", year: "2-digit", timeZone: "UTC" } : { month: "short", day: "numeric", timeZone: "UTC" };
  return d.toLocaleDateString("en-US", opts);
}
function el(html) {
  const t = document.createElement("template");
  t.innerHTML = html.trim();
  return t.content.firstElementChild;
}
function sourceName(s) { return SOURCE_NAMES[s] || s; }
function statusClass(status) {
  return { ok: "ok", error: "bad", timeout: "bad", skipped: "warn", partial: "warn", unanswered: "bad",
           cancelled: "warn", bad_request: "warn", not_permitted: "warn" }[status] || "dim";
}
/** A task's reason as shown: the engine writes its reasons in a support engineer's words
 *  ("source paused after 5 failures in a row; trying it again in 30 s"), so only a missing one
 *  needs a stand-in. */
function plainReason(reason) {
  return String(reason ?? "");
}
function pill(text, cls) { return `<span class="pill ${cls}">${esc(text)}</span>`; }
/** Text with **bold** markers (docs passages) as HTML with <mark>. */
function passage(text) {
  const plain = String(text ?? "")
    .replace(/(^|\n)\s*#{1,6}\s+/g, "$1")          // heading markers
    .replace(/(^|[^*])\*([^*\n]+)\*(?!\*)/g, "$1$2"); // *emphasis*
  return esc(plain).replace(/\*\*(.+?)\*\*/g, "<mark>$1</mark>").replace(/\n+/g, " · ");
}

// ---------------------------------------------------------------------------------------------
// the token (kept for this browser session only)

const auth = { required: false, token: sessionStorage.getItem(TOKEN_KEY) || "" };

function authHeaders() { return auth.token ? { Authorization: "Bearer " + auth.token } : {}; }

function showTokenForm(message, rejected) {
  $("token-form").hidden = false;
  $("forget-token").hidden = true;
  setConn(message, rejected ? "err" : "ask");
  $("sources").innerHTML = `<li class="dim">Shown once a token is accepted.</li>`;
}
function tokenAccepted() {
  $("token-form").hidden = true;
  $("forget-token").hidden = !auth.token;
}
$("token-form").addEventListener("submit", (e) => {
  e.preventDefault();
  auth.token = $("token").value.trim();
  $("token").value = "";
  if (!auth.token) return;
  sessionStorage.setItem(TOKEN_KEY, auth.token);
  tokenAccepted();
  refresh();
});
$("forget-token").addEventListener("click", () => {
  auth.token = "";
  sessionStorage.removeItem(TOKEN_KEY);
  showTokenForm("Token forgotten. Paste a token to go on.");
  $("token").focus();
});

function setConn(text, kind) {
  $("conn").innerHTML = kind ? `<span class="${kind === true ? "err" : kind}">${esc(text)}</span>` : esc(text);
}

/** An API error response as one sentence; a 401 asks for a (new) token. */
async function apiError(r) {
  const body = await r.json().catch(() => ({}));
  const message = body.error?.message || `${r.status} ${r.statusText}`;
  if (r.status === 401) {
    auth.token = "";
    sessionStorage.removeItem(TOKEN_KEY);
    showTokenForm(`This server needs a valid token: ${message}`, true);
  }
  return message;
}

// ---------------------------------------------------------------------------------------------
// the live panel

let refreshing = false;
async function refresh() {
  if (refreshing || document.hidden) return;
  if (auth.required && !auth.token) return;
  refreshing = true;
  try {
    const r = await fetch("/v1/stats", { headers: authHeaders() });
    if (!r.ok) {
      const message = await apiError(r);
      if (r.status !== 401) setConn(message, true);
      return;
    }
    drawStats(await r.json());
    setConn("live · updated " + hhmmss(new Date().toISOString()));
  } catch (e) {
    setConn("cannot reach the server: " + e.message, true);
  } finally {
    refreshing = false;
  }
}

function drawStats(s) {
  $("rpm").textContent = num(s.requests_last_minute ?? 0);
  const perMinute = s.requests_per_minute || [];
  const top = Math.max(1, ...perMinute);
  const w = 100 / Math.max(1, perMinute.length);
  $("rpm-spark").innerHTML = perMinute.length ? `<svg viewBox="0 0 100 22" preserveAspectRatio="none" role="img" aria-label="Requests per minute over the last ${perMinute.length} minutes: ${perMinute.join(", ")}">` +
    perMinute.map((v, i) => `<rect x="${(i * w + w * 0.12).toFixed(2)}" y="${(22 - 20 * v / top).toFixed(2)}" width="${(w * 0.76).toFixed(2)}" height="${(20 * v / top + (v ? 0 : 1)).toFixed(2)}" opacity="${v ? 1 : 0.3}"></rect>`).join("") + "</svg>" : "";
  const lookups = s.cache.hits + s.cache.misses;
  $("hit-rate").textContent = lookups ? Math.round(100 * s.cache.hit_rate) + "%" : "–";
  $("answered").textContent = num(s.asks.answered);
  $("partial").textContent = num(s.asks.partial);

  const complexities = ["simple", "medium", "complex"];
  const p95max = Math.max(1, ...complexities.map((c) => s.latency_ms[c]?.p95_ms || 0));
  $("latency").querySelector("tbody").innerHTML = complexities.map((c) => {
    const l = s.latency_ms[c] || {};
    const has = (l.count || 0) > 0;
    return `<tr><td>${c}</td><td class="num">${num(l.count ?? 0)}</td><td class="num">${has ? ms(l.p50_ms) : "–"}</td>` +
      `<td class="num">${has ? ms(l.p95_ms) : "–"}</td><td class="bar-col">${has ? `<div class="hbar" style="width:${(100 * l.p95_ms / p95max).toFixed(1)}%"></div>` : ""}</td></tr>`;
  }).join("");

  $("sources").innerHTML = s.sources.map((x) => {
    const h = health(x);
    return `<li><span class="dot ${h.cls}" aria-hidden="true">${h.icon}</span>` +
      `<span><span class="name">${esc(sourceName(x.source))}</span>: <span class="words ${h.cls}" style="display:inline">${esc(h.words)}</span></span>` +
      (h.detail ? `<span class="detail">${esc(h.detail)}</span>` : "") + "</li>";
  }).join("");

  $("recent").querySelector("tbody").innerHTML = s.recent.length ? s.recent.slice(0, 15).map((x) => {
    const request = x.mine
      ? `<button type="button" class="mine-request" data-request="${esc(x.request)}" title="Ask again">${esc(x.request)}</button>`
      : `<span class="dim">another caller's request</span>`;
    return `<tr><td class="dim">${esc(hhmmss(x.at))}</td><td>${request}</td><td>${pill(words(x.outcome), statusClass(x.outcome))}</td><td class="num">${ms(x.total_ms)}</td></tr>`;
  }).join("") : `<tr><td colspan="4" class="dim">No requests yet.</td></tr>`;
}

/** A source's health in the words a support engineer reads. */
function health(x) {
  const n = x.failures_in_a_row || 0;
  const t = x.timeouts_in_a_row || 0;
  const what = t === n ? plural(n, "timeout") : t === 0 ? plural(n, "error") : `${plural(n, "failure")} (${num(t)} timed out)`;
  const last = x.last_failure ? `last failure${x.last_failure_at ? " at " + hhmm(x.last_failure_at) : ""}: ${plainReason(x.last_failure)}` : "";
  switch (x.health) {
    case "healthy":
      return { cls: "ok", icon: "●", words: "healthy", detail: `${plural(x.ok, "answer")}${x.p95_ms ? `, 95% within ${ms(x.p95_ms)}` : ""}` };
    case "unused":
      return { cls: "dim", icon: "○", words: "no requests yet", detail: "" };
    case "recovering":
      return { cls: "warn", icon: "◐", words: "recovering: trying one request after failures", detail: last };
    default: {
      const retry = x.retry_at ? `, paused, retrying at ${hhmm(x.retry_at)}` : ", retrying with each request";
      return { cls: "bad", icon: "▲", words: `failing: ${n ? what + " in a row" : "recent requests failed"}${retry}`, detail: last };
    }
  }
}

$("recent").addEventListener("click", (e) => {
  const b = e.target.closest("button.mine-request");
  if (b) { $("request").value = b.dataset.request; startAsk(b.dataset.request); }
});

// ---------------------------------------------------------------------------------------------
// asking: the stream

const run = { plan: null, sections: new Map(), started: new Map(), retries: new Map(), report: null, t0: 0, timer: 0, busy: false };

document.querySelectorAll(".examples .chip-button").forEach((b) => b.addEventListener("click", () => {
  $("request").value = b.textContent;
  startAsk(b.textContent);
}));
$("ask-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const request = $("request").value.trim();
  if (request) startAsk(request);
});

function startAsk(request) {
  if (run.busy) return;
  if (auth.required && !auth.token) { showTokenForm("Paste a token first: this server needs one."); $("token").focus(); return; }
  ask(request).catch((err) => showError(err.message)).finally(() => {
    run.busy = false;
    $("ask-button").disabled = false;
    cancelAnimationFrame(run.timer);
    refresh();
  });
}

function resetRun() {
  Object.assign(run, { plan: null, sections: new Map(), started: new Map(), retries: new Map(), report: null, failed: false, t0: performance.now() });
  $("result").hidden = false;
  $("intro").hidden = true;
  $("plan").innerHTML = `<p class="dim">Reading the question…</p>`;
  $("notice").innerHTML = "";
  $("answer").innerHTML = `<p class="dim">Waiting for the sources…</p>`;
  $("findings").innerHTML = "";
  $("visual").innerHTML = "";
  $("timeline").innerHTML = "";
  $("timeline-summary").textContent = "";
  $("sections").innerHTML = "";
  // The timeline and the sections appear with the plan (a refused question has neither).
  $("timeline-panel").hidden = true;
  $("sections-panel").hidden = true;
}

function showError(message) {
  run.failed = true;
  $("result").hidden = false;
  $("answer").innerHTML = `<p class="error-box" role="alert">${esc(message)}</p>`;
  if (!run.plan) $("plan").innerHTML = `<p class="dim">Nothing ran.</p>`;
}

async function ask(request) {
  run.busy = true;
  $("ask-button").disabled = true;
  resetRun();
  const r = await fetch("/v1/ask/stream?progress=true&request=" + encodeURIComponent(request), { headers: authHeaders() });
  if (!r.ok) { showError(await apiError(r)); return; }
  const reader = r.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = "message";
      let data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).replace(/^ /, "");
      }
      if (data) onEvent(event, JSON.parse(data));
    }
  }
  if (!run.report && !run.failed) showError("The answer stream ended before the answer (the server stopped or the connection dropped); ask again.");
}

function onEvent(event, d) {
  switch (event) {
    case "plan":
      run.plan = d;
      $("timeline-panel").hidden = false;
      $("sections-panel").hidden = false;
      drawPlan(d);
      drawTimeline();
      tick();
      break;
    case "task_started":
      run.started.set(d.task_id, d.started_ms);
      drawTimeline();
      break;
    case "task_retrying":
      if (!run.retries.has(d.task_id)) run.retries.set(d.task_id, []);
      run.retries.get(d.task_id).push(d);
      drawTimeline();
      break;
    case "section":
      run.sections.set(d.task_id, d);
      drawTimeline();
      addSection(d);
      break;
    case "report":
      run.report = d;
      for (const s of d.sections) run.sections.set(s.task_id, s);
      drawReport(d);
      break;
    case "error":
      showError(d.error?.message || "the ask failed");
      break;
  }
}

function tick() {
  cancelAnimationFrame(run.timer);
  const step = () => {
    if (run.report || !run.busy) return;
    if ([...run.started.keys()].some((id) => !run.sections.has(id))) drawTimeline();
    run.timer = requestAnimationFrame(step);
  };
  run.timer = requestAnimationFrame(step);
}

// ---------------------------------------------------------------------------------------------
// the plan

function drawPlan(p) {
  const facts = [];
  const customers = (p.customers || []).map((c) => `<span class="chip">${esc(c.name)} <small>${esc(MATCH_WORDS[c.match] || c.match)}${c.mention && c.mention !== c.name ? ` ‘${esc(c.mention)}’` : ""}${c.confidence < 1 ? `, ${Math.round(100 * c.confidence)}% sure` : ""}</small></span>`);
  if (p.scope === "all") customers.unshift(`<span class="chip">all customers${p.cohort ? ` in ${esc(p.cohort)}` : ""}</span>`);
  for (const u of p.unresolved || []) customers.push(`<span class="chip warn">‘${esc(u.mention)}’ <small>not a known customer${u.suggestions?.length ? "; did you mean " + esc(u.suggestions.join(", ")) + "?" : ""}</small></span>`);
  for (const a of p.ambiguous || []) customers.push(`<span class="chip warn">‘${esc(a.mention)}’ <small>could be ${esc(a.candidates.join(" or "))}</small></span>`);
  for (const n of p.not_permitted || []) customers.push(`<span class="chip bad">${esc(n.name || n.mention || n)} <small>not permitted for this token</small></span>`);
  if (customers.length) facts.push(["Customers", customers.join("")]);
  if ((p.not_understood || []).length) facts.push(["Not understood", p.not_understood.map((w) => `<span class="chip warn">‘${esc(w)}’</span>`).join("")]);
  if (p.time_range) facts.push(["Time", `<span class="chip">${esc(p.time_range.label)} <small>${esc(day(p.time_range.from))} – ${esc(day(p.time_range.to))}</small></span>`]);
  const filters = Object.entries(p.filters || {}).filter(([, v]) => v !== null && v !== false && !(Array.isArray(v) && !v.length));
  if (filters.length) facts.push(["Filters", filters.map(([k, v]) => `<span class="chip">${esc(words(k))} <small>${esc(Array.isArray(v) ? v.join(", ") : typeof v === "object" ? JSON.stringify(v) : v)}</small></span>`).join("")]);
  facts.push(["Agents", (p.agents || []).map((a) => `<span class="chip">${esc(AGENT_NAMES[a] || a)} <small>${esc(a)}</small></span>`).join("") || `<span class="dim">none</span>`]);
  facts.push(["Strategy", `<span class="chip">${esc(STRATEGY_WORDS[p.strategy] || p.strategy)} <small>${plural((p.tasks || []).length, "task")}</small></span>` +
    (p.intent ? `<span class="chip">answer: ${esc(p.intent)}</span>` : "")]);
  facts.push(["Complexity", `<span class="chip">${esc(p.complexity)} <small>score ${esc(p.score)}</small></span>` +
    (p.factors || []).map((f) => `<span class="chip"><small>${esc(f)}</small></span>`).join("")]);
  $("plan").innerHTML = `<p class="read-as"><b>Read as:</b> ${esc(p.interpretation || p.request)}</p>` +
    `<dl class="facts">${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join("")}</dl>`;
}

// ---------------------------------------------------------------------------------------------
// the timeline (waterfall)

function taskLabel(task, section) {
  const all = run.plan?.cohort ? `all ${run.plan.cohort} customers` : "all customers";
  const who = section?.customer?.name || task?.customer || (task?.tenant_id ? task.tenant_id : all);
  const what = sourceName(section?.source || task?.source || "");
  const period = section?.period ? ` · ${section.period}` : "";
  return { what: what + period, who: task?.source === "docs" || section?.source === "docs" ? "product docs" : who };
}

function drawTimeline() {
  const p = run.plan;
  if (!p) return;
  const now = performance.now() - run.t0;
  const ends = [...run.sections.values()].map((s) => s.ended_ms || 0);
  const total = run.report ? Math.max(...ends, 0.001) : Math.max(now, ...ends, 1);
  const scale = niceMax(total);
  const pct = (v) => Math.max(0, Math.min(100, (100 * v) / scale));
  const rows = p.tasks.map((t) => {
    const s = run.sections.get(t.id);
    const { what, who } = taskLabel(t, s);
    const started = s ? s.started_ms : run.started.get(t.id);
    const retries = run.retries.get(t.id) || [];
    let cls = "waiting";
    let state = "waiting";
    let left = 0;
    let width = 0;
    if (s) {
      cls = s.cached ? "cached" : s.status;
      state = s.status === "ok" ? (s.cached ? "cache hit" : "ok") : s.status;
      left = pct(s.started_ms);
      width = Math.max(pct(s.ended_ms) - left, 0.4);
    } else if (started !== undefined) {
      cls = "running";
      state = "running";
      left = pct(started);
      width = Math.max(pct(now) - left, 0.4);
    }
    const deps = t.depends_on || [];
    const meta = [];
    if (deps.length) meta.push(`after ${deps.join(", ")}`);
    if (s) {
      meta.push(`${ms(s.started_ms)} → ${ms(s.ended_ms)}`);
      if (s.attempts > 1) meta.push(`${s.attempts} attempts`);
      if (s.cached) meta.push("cache hit");
      if (s.status !== "ok") meta.push(s.status === "skipped" ? "skipped" : s.status);
    } else if (retries.length) {
      meta.push(`retry ${retries.length}`);
    }
    // A dependent task waits for its dependencies: a dotted lead from the moment the last of them
    // ended (the context it needs) to its own start.
    const depEnds = deps.map((id) => run.sections.get(id)?.ended_ms).filter((v) => typeof v === "number");
    const lead = depEnds.length && (s || started !== undefined)
      ? `<span class="tl-wait" style="left:${pct(Math.max(...depEnds)).toFixed(2)}%;width:${Math.max(0, left - pct(Math.max(...depEnds))).toFixed(2)}%" title="waited for ${esc(deps.join(", "))}"></span>`
      : "";
    const ticks = lead + retries.map((r) => `<span class="tl-retry" style="left:${pct(r.at_ms).toFixed(2)}%" title="retry ${r.attempt + 1} after ${ms(r.wait_ms)}: ${esc(r.error)}"></span>`).join("");
    const reason = s && s.status !== "ok" ? plainReason(s.reason || s.status) : "";
    // The bar's figures beside it, or inside its end when it reaches the right edge.
    const inside = left + width > 72;
    const textPos = inside ? `right:${(100 - left - width).toFixed(2)}%;padding-right:4px` : `left:${(left + width).toFixed(2)}%;padding-left:5px`;
    const textOnBar = s ? `${ms(s.elapsed_ms)}${s.attempts > 1 ? ` · ${s.attempts} tries` : ""}${s.cached ? " · cached" : ""}${s.status !== "ok" ? " · " + s.status : ""}` : state;
    const described = `${t.id}: ${what} for ${who}: ${state}${s ? `, from ${ms(s.started_ms)} to ${ms(s.ended_ms)}` : ""}${s && s.attempts > 1 ? `, ${s.attempts} attempts` : ""}${deps.length ? `, after ${deps.join(", ")}` : ""}${reason ? ` (${reason})` : ""}`;
    return `<div class="tl-row" role="listitem" id="task-${esc(t.id)}" tabindex="-1" data-task="${esc(t.id)}" data-status="${esc(s ? s.status : state)}" aria-label="${esc(described)}">` +
      `<div class="tl-label" aria-hidden="true"><span class="who"><b>${esc(t.id)}</b> ${esc(who)}</span><span class="meta">${esc([what, ...meta].join(" · "))}</span></div>` +
      `<div class="tl-track" aria-hidden="true" title="${esc(described)}"><span class="tl-bar ${cls}" style="left:${left.toFixed(2)}%;width:${width.toFixed(2)}%"></span>${ticks}` +
      `<span class="tl-text${inside ? " inside" : ""}" style="${textPos}">${esc(textOnBar)}</span></div></div>`;
  });
  const ticksHtml = [0, 0.25, 0.5, 0.75, 1].map((f) => `<span style="left:${f * 100}%">${f ? ms(f * scale) : "0"}</span>`).join("");
  $("timeline").innerHTML = rows.join("") +
    `<div class="tl-axis" aria-hidden="true"><span class="lbl">time since the tasks started</span><div class="ticks">${ticksHtml}</div></div>` +
    `<div class="legend" aria-hidden="true"><span><i style="background:var(--ok)"></i>answered</span><span><i style="background:var(--cached)"></i>cache hit</span>` +
    `<span><i style="background:var(--bad)"></i>error or timeout</span><span><i style="border:1px dashed var(--warn)"></i>skipped</span>` +
    `<span><i style="background:var(--running)"></i>running</span><span><i style="background:var(--warn);width:2px"></i>retry</span>` +
    (p.tasks.some((t) => (t.depends_on || []).length) ? `<span><i style="border-top:2px dotted var(--dim);height:0"></i>waits for earlier tasks</span>` : "") + `</div>`;
  if (!run.report) {
    const done = run.sections.size;
    $("timeline-summary").textContent = `${done} of ${plural(p.tasks.length, "task")} finished · ${ms(now)}`;
  }
}

function niceMax(v) {
  if (v <= 0) return 1;
  const pow = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * pow >= v) return m * pow;
  return 10 * pow;
}

function timelineSummary(report) {
  const t = report.timings;
  const p = report.plan;
  const n = report.sections.length;
  const cached = report.sections.filter((s) => s.cached).length;
  const retried = report.sections.filter((s) => s.attempts > 1).length;
  const bad = report.sections.filter((s) => s.status !== "ok");
  const parts = [];
  if (n <= 1) {
    parts.push(`One task, ${ms(t.total_ms)} in all.`);
  } else {
    const speedup = t.speedup || 1;
    const how = p.strategy === "sequential" ? "in dependent steps" : "in parallel";
    parts.push(speedup >= 1.05
      ? `${plural(n, "task")} ran ${how} in <strong>${ms(t.total_ms)}</strong>; one after another they would take ${ms(t.sequential_ms)}: <strong>${speedup.toFixed(1)}× faster</strong>.`
      : `${plural(n, "task")} ran ${how}; the whole ask took ${ms(t.total_ms)} (the tasks one after another: ${ms(t.sequential_ms)}).`);
  }
  if (cached) parts.push(`${plural(cached, "cache hit")}.`);
  if (retried) parts.push(`${plural(retried, "task")} retried.`);
  if (bad.length) parts.push(`${plural(bad.length, "task")} did not answer (${[...new Set(bad.map((s) => s.status))].join(", ")}).`);
  parts.push(`<span class="dim">Analysis ${ms(t.analysis_us / 1000)}.</span>`);
  return parts.join(" ");
}

// ---------------------------------------------------------------------------------------------
// sections as they finish

function sectionTitle(s) {
  const who = s.source === "docs" ? "product docs" : s.customer?.name || (run.plan?.cohort ? `all ${run.plan.cohort} customers` : "all customers");
  return `${sourceName(s.source)} · ${who}${s.period ? ` · ${s.period}` : ""}`;
}

function addSection(s) {
  const existing = document.getElementById("section-" + s.task_id);
  const node = el(sectionHtml(s));
  if (existing) existing.replaceWith(node); else $("sections").appendChild(node);
  bindTables(node);
}

function sectionHtml(s) {
  const status = s.status === "ok" ? (s.cached ? pill("cache hit", "cached") : pill("ok", "ok")) : pill(s.status, statusClass(s.status));
  const head = `<div class="section-head"><h3>${esc(sectionTitle(s))}</h3>${status}<span class="dim">${esc(s.task_id)} · ${ms(s.elapsed_ms)}${s.attempts > 1 ? ` · ${s.attempts} attempts` : ""}${s.critical ? " · essential" : ""}</span></div>`;
  if (s.status !== "ok") return `<article class="section" id="section-${esc(s.task_id)}">${head}<p class="reason">${esc(plainReason(s.reason || s.status))}</p></article>`;
  let body = figures(s.summary, s.source);
  const intent = run.plan?.intent;
  if (s.source === "docs") body += intent === "docs" && run.report ? `<p class="dim">The documents are listed in the answer above.</p>` : docsList(s.rows);
  else if (s.rows && s.rows.length) {
    const list = (intent === "list" || intent === "lookup") && !run.report;
    const what = { kusto: "case", icm: "incident", ado: "work item", tenant: "tenant" }[s.source] || "row";
    const table = rowsTable(s.rows, s);
    const more = s.truncated ? ` <span class="dim">(the first ${num(s.rows.length)}; more exist)</span>` : "";
    body += list ? `<div class="table-wrap rows-table">${table}</div>${more}` :
      `<details class="rows"${s.source === "tenant" ? " open" : ""}><summary>Show ${plural(s.rows.length, what)}${s.truncated || (s.summary?.total > s.rows.length) ? ` of ${num(s.summary?.total ?? s.rows.length)}` : ""}</summary><div class="table-wrap rows-table">${table}</div></details>`;
  }
  return `<article class="section" id="section-${esc(s.task_id)}">${head}${body}</article>`;
}

function figures(summary, source) {
  const items = [];
  for (const [k, v] of Object.entries(summary || {})) {
    if (k === "terms") continue;
    if (v === null || v === undefined) continue;
    if (typeof v === "object" && !Array.isArray(v)) {
      const inner = Object.entries(v).map(([ik, iv]) => `${esc(ik)} <b>${num(iv)}</b>`).join(" · ");
      items.push(`<li><span class="k">${esc(words(k))}:</span> ${inner || "–"}</li>`);
    } else if (Array.isArray(v)) {
      items.push(`<li><span class="k">${esc(words(k))}:</span> ${esc(v.join(", "))}</li>`);
    } else {
      items.push(`<li><span class="k">${esc(words(k))}</span> <b>${typeof v === "number" ? num(v) : esc(v)}</b></li>`);
    }
  }
  return items.length ? `<ul class="figures" aria-label="${esc(sourceName(source))} figures">${items.join("")}</ul>` : "";
}

function docsList(rows) {
  if (!rows || !rows.length) return `<p class="dim">No matching documents.</p>`;
  return `<ol class="docs-list">${rows.map((r) => `<li><a class="doc-link" href="#doc=${encodeURIComponent(r.path)}" data-path="${esc(r.path)}">${esc(r.title)}</a>` +
    ` <span class="dim mono">${esc(r.path)}</span><p class="passage">${passage(r.snippet || "")}</p></li>`).join("")}</ol>`;
}

// ---------------------------------------------------------------------------------------------
// sortable tables of rows

const HIDDEN_COLUMNS = new Set(["TenantId"]);

function cellText(v) {
  if (v === null || v === undefined) return "";
  if (Array.isArray(v)) return v.join("; ");
  if (typeof v === "object") return Object.entries(v).map(([k, x]) => `${k}: ${x}`).join(", ");
  if (typeof v === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(v)) return v.slice(0, 16).replace("T", " ");
  return String(v);
}

function rowsTable(rows, s) {
  const columns = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!columns.includes(k) && !HIDDEN_COLUMNS.has(k)) columns.push(k);
  const oneCustomer = new Set(rows.map((r) => r.CustomerName)).size <= 1;
  const shown = columns.filter((c) => !(oneCustomer && c === "CustomerName" && s?.customer));
  const numeric = new Set(shown.filter((c) => rows.every((r) => r[c] === null || typeof r[c] === "number")));
  const sortedBy = s?.sort ? { created: ["CreatedAt"], age: ["CreatedAt"], severity: ["Severity"] }[s.sort.by] : null;
  const head = shown.map((c) => {
    const sorted = sortedBy && sortedBy.includes(c) ? (s.sort.order === "asc" ? "ascending" : "descending") : "none";
    return `<th scope="col" class="${numeric.has(c) ? "num" : ""}" aria-sort="${sorted}" data-col="${esc(c)}"><button type="button" class="sort">${esc(words(c))}</button></th>`;
  }).join("");
  const body = rows.map((r) => `<tr>${shown.map((c) => {
    const v = r[c];
    if (c === "health") return `<td>${pill(v, { healthy: "ok", warning: "warn", unhealthy: "bad" }[v] || "dim")}</td>`;
    return `<td class="${numeric.has(c) ? "num" : c === "Title" || c === "reasons" ? "wrap" : ""}" data-v="${esc(typeof v === "object" ? cellText(v) : v ?? "")}">${esc(cellText(v))}</td>`;
  }).join("")}</tr>`).join("");
  return `<table class="sortable"><caption class="sr-only">${esc(s ? sectionTitle(s) : "rows")}; select a column heading to sort</caption><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function bindTables(root) {
  root.querySelectorAll("table.sortable").forEach((table) => {
    table.querySelectorAll("th button.sort").forEach((button) => button.addEventListener("click", () => sortTable(table, button.closest("th"))));
  });
}

function sortTable(table, th) {
  const ths = [...th.parentElement.children];
  const index = ths.indexOf(th);
  const order = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
  ths.forEach((h) => h.setAttribute("aria-sort", "none"));
  th.setAttribute("aria-sort", order);
  const numeric = th.classList.contains("num");
  const tbody = table.tBodies[0];
  const rows = [...tbody.rows];
  const key = (tr) => {
    const v = tr.cells[index]?.dataset.v ?? tr.cells[index]?.textContent ?? "";
    return numeric ? (v === "" ? -Infinity : Number(v)) : v.toLowerCase();
  };
  rows.sort((a, b) => {
    const x = key(a), y = key(b);
    const c = numeric ? x - y : x.localeCompare(y, undefined, { numeric: true });
    return order === "ascending" ? c : -c;
  });
  rows.forEach((r) => tbody.appendChild(r));
}

// ---------------------------------------------------------------------------------------------
// the report: answer, partial notice, findings, and a picture per intent

function drawReport(r) {
  const lines = (r.answer || "").split("\n").filter((l) => l.trim());
  $("answer").innerHTML = lines.map((l, i) => `<p class="${i === 0 ? "first" : l.startsWith("Read as:") ? "read" : ""}">${esc(l)}</p>`).join("");
  if (r.partial) {
    const gaps = r.errors.map((e) => `<li>${esc(sourceName(e.source))}${e.customer ? ` for ${esc(e.customer)}` : ""}: ${esc(plainReason(e.reason))}${e.critical ? " <strong>(essential)</strong>" : ""}</li>`).join("");
    $("notice").innerHTML = `<div class="notice partial-notice ${r.unanswered ? "bad" : ""}" role="status">` +
      `<strong>${r.unanswered ? "Not answered." : "Partial answer."}</strong> ${r.unanswered ? "The source the answer depends on failed" : `${plural(r.errors.length, "part")} of the answer ${r.errors.length === 1 ? "is" : "are"} missing; the rest is complete`}:<ul>${gaps}</ul></div>`;
  }
  if (r.findings && r.findings.length) {
    $("findings").innerHTML = `<h3>Findings</h3><ol class="findings">${r.findings.map((f) => `<li>${esc(f.text)}<span class="evidence">evidence:${f.evidence.map((id) => `<a href="#task-${esc(id)}" data-task="${esc(id)}">${esc(id)}</a>`).join("")}</span></li>`).join("")}</ol>`;
  }
  drawTimeline();
  $("timeline-summary").innerHTML = timelineSummary(r);
  drawVisual(r);
  // Sections in plan order, each drawn from the report (the stream sent them as they finished).
  const order = r.plan.tasks.map((t) => t.id);
  const sections = [...r.sections].sort((a, b) => order.indexOf(a.task_id) - order.indexOf(b.task_id));
  $("sections").innerHTML = sections.map(sectionHtml).join("");
  bindTables($("sections"));
}

function drawVisual(r) {
  const intent = r.plan.intent;
  const ok = r.sections.filter((s) => s.status === "ok");
  const parts = [];
  for (const s of ok) {
    if (s.series && s.series.length) parts.push(trendChart(s));
    if (s.groups && s.groups.length) parts.push(hbarChart(`${sectionTitle(s)}: by ${words(r.plan.shape?.group_by || (intent === "investigate" ? "product_area" : "group"))}`, s.groups.map((g) => ({ label: g.key, value: g.value, note: `${Math.round(100 * g.share)}%` })), "breakdown"));
    if (s.ranking && s.ranking.length) parts.push(hbarChart(`${sourceName(s.source)}: ranking`, s.ranking.map((x) => ({ label: x.customer.name, value: x.value })), "ranking"));
  }
  if (intent === "compare" && r.sections.length >= 2) parts.unshift(compareView(r));
  // A list's rows and a docs question's documents are the answer: shown here, open.
  if (intent === "list" || intent === "lookup") {
    for (const s of ok) if (s.rows && s.rows.length) parts.push(`<div class="chart"><p class="chart-title">${esc(sectionTitle(s))}${s.sort ? ` <span class="dim">· sorted by ${esc(words(s.sort.by))}, ${s.sort.order === "asc" ? "oldest or lowest first" : "newest or highest first"}</span>` : ""}</p><div class="table-wrap rows-table">${rowsTable(s.rows, s)}</div>${s.truncated ? `<p class="dim">${plural(s.rows.length, "row")} listed; more exist.</p>` : ""}</div>`);
  }
  if (intent === "docs") {
    for (const s of ok) if (s.source === "docs") parts.push(`<div class="chart">${docsList(s.rows)}</div>`);
  }
  if (intent === "aggregate") {
    for (const s of ok) if (typeof s.value === "number") parts.push(`<p class="big-value">${num(s.value)} <small>${esc(r.plan.shape?.measure ? words(r.plan.shape.measure) : "")}${s.customer ? " · " + esc(s.customer.name) : ""}</small></p>`);
  }
  $("visual").innerHTML = parts.join("");
  bindTables($("visual"));
}

function compareView(r) {
  const sides = r.sections.map((s) => ({
    label: s.period || s.customer?.name || s.task_id,
    value: typeof s.value === "number" ? s.value : s.summary?.total,
    status: s.status,
    s,
  }));
  const top = Math.max(1, ...sides.map((x) => (typeof x.value === "number" ? x.value : 0)));
  const change = r.sections.map((s) => s.change).find(Boolean);
  const cards = sides.map((x) => `<div class="side"><div class="label">${esc(x.label)}${x.s.customer && x.s.period ? ` · ${esc(x.s.customer.name)}` : ""}</div>` +
    (x.status === "ok" ? `<div class="big">${num(x.value)}</div><div class="meter" aria-hidden="true"><span style="width:${(100 * (x.value || 0) / top).toFixed(1)}%"></span></div>` : `<div class="big bad">–</div><div class="dim">${esc(plainReason(x.s.reason || x.status))}</div>`) + "</div>");
  let changeHtml = "";
  if (change) {
    const arrow = { up: "▲", down: "▼", flat: "▶" }[change.direction] || "";
    const sign = change.delta > 0 ? "+" : "";
    changeHtml = `<p class="change ${esc(change.direction)}">${arrow} ${sign}${num(change.delta)}${change.pct !== null && change.pct !== undefined ? ` (${sign}${num(change.pct)}%)` : ""} ${esc(change.direction === "flat" ? "no change" : change.direction)}` +
      `${change.from_label ? ` against ${esc(change.from_label)}` : ""}: ${num(change.from_value)} → ${num(change.to_value)}</p>`;
  }
  return `<div class="compare-view"><div class="compare">${cards.join("")}</div>${changeHtml}</div>`;
}

/** Width available for a chart (the answer panel's inner width). */
function chartWidth() {
  return Math.max(260, Math.min(1100, $("visual").clientWidth || 600));
}

function trendChart(s) {
  const points = s.series;
  const W = chartWidth();
  const narrow = W < 480;
  const H = narrow ? 190 : 230;
  const pad = { l: 36, r: 10, t: 20, b: 34 };
  const iw = W - pad.l - pad.r;
  const ih = H - pad.t - pad.b;
  const top = niceMax(Math.max(1, ...points.map((p) => p.value)));
  const bw = iw / points.length;
  const x = (i) => pad.l + i * bw;
  const y = (v) => pad.t + ih - (ih * v) / top;
  const grid = [0, 0.5, 1].map((f) => `<line class="grid" x1="${pad.l}" x2="${W - pad.r}" y1="${y(f * top).toFixed(1)}" y2="${y(f * top).toFixed(1)}"></line><text x="${pad.l - 6}" y="${(y(f * top) + 4).toFixed(1)}" text-anchor="end">${num(f * top)}</text>`).join("");
  const every = Math.max(1, Math.ceil(points.length / Math.floor(iw / (narrow ? 44 : 56))));
  // Bars up to a month of buckets; past that a line whose dots are the marks.
  const asLine = points.length > 31;
  const marks = points.map((p, i) => {
    const h = Math.max(0, y(0) - y(p.value));
    const label = `${bucketLabel(p, s.bucket)}: ${num(p.value)}`;
    const cx = x(i) + bw / 2;
    const mark = asLine
      ? `<circle class="mark bucket" data-value="${p.value}" role="img" aria-label="${esc(label)}" cx="${cx.toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="3.5"><title>${esc(label)}</title></circle>`
      : `<rect class="mark bucket" data-value="${p.value}" role="img" aria-label="${esc(label)}" x="${(x(i) + bw * 0.15).toFixed(1)}" y="${(y(0) - Math.max(h, 1)).toFixed(1)}" width="${(bw * 0.7).toFixed(1)}" height="${Math.max(h, 1).toFixed(1)}" rx="2"><title>${esc(label)}</title></rect>`;
    return mark +
      (!asLine && bw >= 22 ? `<text class="val" x="${cx.toFixed(1)}" y="${(y(p.value) - 5).toFixed(1)}" text-anchor="middle">${num(p.value)}</text>` : "") +
      (i % every === 0 ? `<text x="${cx.toFixed(1)}" y="${H - pad.b + 16}" text-anchor="middle">${esc(day(p.start, s.bucket))}</text>` : "");
  }).join("");
  const line = asLine ? `<path class="line" d="${points.map((p, i) => `${i ? "L" : "M"}${(x(i) + bw / 2).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ")}"></path>` : "";
  const title = `${sectionTitle(s)} per ${s.bucket || "bucket"}`;
  const change = s.change ? ` · ${s.change.direction === "up" ? "rising" : s.change.direction === "down" ? "falling" : "flat"}: ${num(s.change.from_value)} → ${num(s.change.to_value)}${s.change.pct !== null && s.change.pct !== undefined ? ` (${s.change.pct > 0 ? "+" : ""}${num(s.change.pct)}%)` : ""}` : "";
  return `<figure class="chart trend-chart" data-task="${esc(s.task_id)}" data-buckets="${points.length}"><figcaption class="chart-title">${esc(title)}<span class="dim">${esc(change)}</span></figcaption>` +
    `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="group" aria-label="${esc(title)}: ${points.length} ${esc(s.bucket || "bucket")}s">${grid}${line}${marks}</svg>` +
    `<details><summary>Data</summary><div class="table-wrap"><table><thead><tr><th scope="col">${esc(s.bucket || "bucket")}</th><th scope="col" class="num">value</th></tr></thead><tbody>` +
    points.map((p) => `<tr><td>${esc(bucketLabel(p, s.bucket))}</td><td class="num">${num(p.value)}</td></tr>`).join("") + `</tbody></table></div></details></figure>`;
}

function bucketLabel(p, bucket) {
  if (bucket === "week") return "week of " + day(p.start, "day");
  return day(p.start, bucket);
}

function hbarChart(title, items, kind) {
  const W = chartWidth();
  const narrow = W < 480;
  const labelW = Math.min(narrow ? 120 : 210, W * 0.38);
  const rowH = 26;
  const H = items.length * rowH + 6;
  const top = Math.max(1e-9, ...items.map((i) => i.value));
  const iw = W - labelW - 90;
  const rows = items.map((it, i) => {
    const yy = i * rowH + 4;
    const w = Math.max(2, (iw * it.value) / top);
    const label = `${it.label}: ${num(it.value)}${it.note ? ` (${it.note})` : ""}`;
    const shown = it.label.length > (narrow ? 16 : 30) ? it.label.slice(0, narrow ? 15 : 29) + "…" : it.label;
    return `<text x="${labelW - 8}" y="${yy + 15}" text-anchor="end">${esc(shown)}</text>` +
      `<rect class="mark ${kind}" role="img" aria-label="${esc(label)}" x="${labelW}" y="${yy + 3}" width="${w.toFixed(1)}" height="${rowH - 10}" rx="2"><title>${esc(label)}</title></rect>` +
      `<text class="val" x="${(labelW + w + 6).toFixed(1)}" y="${yy + 15}">${num(it.value)}${it.note ? ` <tspan class="dim">· ${esc(it.note)}</tspan>` : ""}</text>`;
  }).join("");
  return `<figure class="chart ${kind}-chart"><figcaption class="chart-title">${esc(title)}</figcaption><svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="group" aria-label="${esc(title)}">${rows}</svg></figure>`;
}

// Evidence links and timeline rows: jump, focus and flash.
document.addEventListener("click", (e) => {
  const evidence = e.target.closest(".evidence a[data-task]");
  if (evidence) {
    e.preventDefault();
    const id = evidence.dataset.task;
    for (const node of [document.getElementById("task-" + id), document.getElementById("section-" + id)]) {
      if (!node) continue;
      node.classList.add("flash");
      setTimeout(() => node.classList.remove("flash"), 1600);
    }
    const row = document.getElementById("task-" + id);
    if (row) { row.scrollIntoView({ block: "center", behavior: "smooth" }); row.focus({ preventScroll: true }); }
    return;
  }
  const doc = e.target.closest("a.doc-link");
  if (doc) { e.preventDefault(); openDoc(doc.dataset.path); }
});

// ---------------------------------------------------------------------------------------------
// a document, opened from its passage

async function openDoc(path) {
  const dialog = $("doc-dialog");
  $("doc-title").textContent = "Loading…";
  $("doc-path").textContent = path;
  $("doc-body").innerHTML = "";
  if (!dialog.open) dialog.showModal();
  try {
    const r = await fetch("/v1/docs?path=" + encodeURIComponent(path), { headers: authHeaders() });
    if (!r.ok) { $("doc-title").textContent = "Cannot open the document"; $("doc-body").innerHTML = `<p class="error-box">${esc(await apiError(r))}</p>`; return; }
    const d = await r.json();
    $("doc-title").textContent = d.title;
    $("doc-body").innerHTML = markdown(d.body, d.title);
  } catch (e) {
    $("doc-body").innerHTML = `<p class="error-box">${esc(e.message)}</p>`;
  }
}
$("doc-close").addEventListener("click", () => $("doc-dialog").close());

/** A small Markdown subset (headings, lists, paragraphs, bold, code) as safe HTML. */
function markdown(text, title) {
  const inline = (s) => esc(s).replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>").replace(/`([^`]+)`/g, "<code>$1</code>");
  const out = [];
  let list = null;
  let para = [];
  const flush = () => {
    if (para.length) { out.push(`<p>${inline(para.join(" "))}</p>`); para = []; }
    if (list) { out.push(`<ul>${list.map((i) => `<li>${inline(i)}</li>`).join("")}</ul>`); list = null; }
  };
  for (const line of String(text).split("\n")) {
    const h = line.match(/^(#{1,4})\s+(.*)$/);
    const li = line.match(/^\s*[-*]\s+(.*)$/) || line.match(/^\s*\d+\.\s+(.*)$/);
    if (h) { flush(); if (h[2].trim() !== title) out.push(`<h3>${inline(h[2])}</h3>`); }
    else if (li) { if (para.length) { out.push(`<p>${inline(para.join(" "))}</p>`); para = []; } (list ||= []).push(li[1]); }
    else if (!line.trim()) flush();
    else { if (list) flush(); para.push(line.trim()); }
  }
  flush();
  return out.join("");
}

// ---------------------------------------------------------------------------------------------
// start

let resizeTimer = 0;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => { if (run.report) drawVisual(run.report); }, 150);
});
document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });

async function start() {
  // Whether the server checks tokens, without a 401: its OpenAPI document declares bearer
  // security only when it does.
  try {
    const r = await fetch("/openapi.json");
    const doc = await r.json();
    auth.required = Boolean(doc.components?.securitySchemes?.bearer);
  } catch {
    auth.required = false;
  }
  if (auth.required && !auth.token) {
    showTokenForm("This server needs an access token (from orca token add); it is kept for this browser session only.");
    $("token").focus();
  } else {
    tokenAccepted();
  }
  refresh();
  setInterval(refresh, 2000);
}
start();
