"""Measures `orca serve` under load (BENCHMARKS.md, "Server under hostile load"): MCP tool-call,
stream and JSON latency of a cached ask on one kept-alive connection, then RSS and threads
before, during and after bursts of concurrent uncached asks (Linux: /proc/PID/status).

Usage: http_load.py ORCA DATA_DIR CONFIG [latency|burst|sessions|all]
  ORCA      the binary (target/release/orca)
  DATA_DIR  a store (`orca --data DIR data generate`)
  CONFIG    an orca.toml with `[server] rate_limit_per_second = 0.0`
Environment: BURSTS (40) bursts of CONC (200) concurrent asks."""
import http.client, json, os, socket, statistics, subprocess, sys, threading, time, urllib.parse
BIN, DATA, CONFIG = sys.argv[1:4]
WHAT = sys.argv[4] if len(sys.argv) > 4 else "all"
BURSTS = int(os.environ.get("BURSTS", "40"))
CONC = int(os.environ.get("CONC", "200"))
PORT = 18000 + os.getpid() % 1000
Q = "How many cases does Ford have?"

def start():
    env = dict(os.environ)
    p = subprocess.Popen([BIN, "--config", CONFIG, "--data", DATA, "serve", "--addr", f"127.0.0.1:{PORT}"],
                         stderr=subprocess.DEVNULL, env=env)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close(); return p
        except OSError: time.sleep(0.05)
    raise SystemExit("server did not start")

def proc(p):
    st = open(f"/proc/{p.pid}/status").read()
    get = lambda k: int([l for l in st.splitlines() if l.startswith(k)][0].split()[1])
    return get("VmRSS:") / 1024.0, get("Threads:")

def conn():
    return http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)

MCP_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
               "Host": f"127.0.0.1:{PORT}"}

def mcp_post(c, msg, session=None):
    h = dict(MCP_HEADERS)
    if session: h["mcp-session-id"] = session; h["mcp-protocol-version"] = "2025-06-18"
    c.request("POST", "/mcp", body=json.dumps(msg).encode(), headers=h)
    r = c.getresponse(); body = r.read()
    return r, body

def latency(p):
    c = conn()
    r, _ = mcp_post(c, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "m", "version": "0"}}})
    sid = r.getheader("mcp-session-id")
    mcp_post(c, {"jsonrpc": "2.0", "method": "notifications/initialized"}, sid)
    call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "ask", "arguments": {"request": Q}}}
    mcp_post(c, call, sid)  # warm the cache
    mcp = []
    for i in range(50):
        t = time.perf_counter(); r, body = mcp_post(c, call, sid); mcp.append((time.perf_counter() - t) * 1e3)
        assert r.status == 200 and b'"result"' in body, (r.status, body[:200])
    stream, js = [], []
    path = "/v1/ask/stream?" + urllib.parse.urlencode({"request": Q})
    for i in range(50):
        t = time.perf_counter(); c.request("GET", path); r = c.getresponse(); b = r.read()
        stream.append((time.perf_counter() - t) * 1e3); assert b"event: report" in b, b[:200]
    for i in range(50):
        t = time.perf_counter()
        c.request("POST", "/v1/ask", body=json.dumps({"request": Q}).encode(), headers={"Content-Type": "application/json"})
        r = c.getresponse(); r.read(); js.append((time.perf_counter() - t) * 1e3)
    f = lambda xs: f"median {statistics.median(xs):.2f} ms, p90 {sorted(xs)[int(len(xs)*0.9)]:.2f} ms"
    print(f"MCP tools/call ask (cached): {f(mcp)}")
    print(f"GET /v1/ask/stream (cached): {f(stream)}")
    print(f"POST /v1/ask (cached):       {f(js)}")

def one_ask(i, codes):
    try:
        c = conn()
        body = json.dumps({"request": ["cases and ICMs for Ford", "work items for Toyota", "tenant health for GM",
                                       "cases for Contoso in the last 30 days"][i % 4], "no_cache": True}).encode()
        c.request("POST", "/v1/ask", body=body, headers={"Content-Type": "application/json"})
        r = c.getresponse(); b = r.read(); codes.append(r.status if b'"partial":false' in b else "partial"); c.close()
    except Exception as e:
        codes.append(str(e)[:40])

def burst(p):
    # steady state: a few sequential asks first
    for i in range(20):
        one_ask(i, [])
    time.sleep(2)
    rss0, th0 = proc(p)
    print(f"steady state: RSS {rss0:.1f} MB, threads {th0}")
    peak_rss, peak_th = rss0, th0
    codes = []
    for b in range(BURSTS):
        ts = [threading.Thread(target=one_ask, args=(i, codes)) for i in range(CONC)]
        for t in ts: t.start()
        for t in ts: t.join()
        r, th = proc(p); peak_rss = max(peak_rss, r); peak_th = max(peak_th, th)
    r1, th1 = proc(p)
    ok = sum(1 for c in codes if c == 200)
    print(f"after {BURSTS} bursts of {CONC}: RSS {r1:.1f} MB, threads {th1} (peak RSS {peak_rss:.1f} MB, peak threads {peak_th}); {ok}/{len(codes)} asks 200; others: {sorted(set(map(str, (c for c in codes if c != 200))))[:5]}")
    time.sleep(15)
    r2, th2 = proc(p)
    print(f"after 15 s idle: RSS {r2:.1f} MB, threads {th2}  (ratio to steady {r2/rss0:.2f}x)")

def sessions(p):
    """3,000 MCP `initialize` calls from one client: sessions opened, and the RSS they cost."""
    rss0, _ = proc(p)
    c, codes = conn(), {}
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "m", "version": "0"}}}
    for i in range(3000):
        r, _ = mcp_post(c, init); codes[r.status] = codes.get(r.status, 0) + 1
    time.sleep(1)
    rss1, _ = proc(p)
    print(f"3000 initialize: statuses {codes}; RSS {rss0:.1f} -> {rss1:.1f} MB")

p = start()
try:
    if WHAT in ("sessions", "all"): sessions(p)
    if WHAT in ("latency", "all"): latency(p)
    if WHAT in ("burst", "all"): burst(p)
finally:
    p.terminate(); p.wait()
