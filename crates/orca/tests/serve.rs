//! `orca serve` as a process, for what only the whole binary shows: the threads a burst of asks
//! starts (the blocking pool is bounded by `[server] max_blocking_threads`) and a token removed
//! from the tokens file while the server runs (refused from then on, as revoked, on `/v1` and
//! `/mcp`).

mod common;

use common::Server;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;

/// Starts `orca serve` on a free loopback port over the shared demo store, with `config` as its
/// orca.toml (in `dir`) and `args` after `serve`.
fn serve(dir: &Path, config: &str, args: &[&str]) -> Server {
    let store: PathBuf = common::shared_demo_store().join("store");
    common::serve_over(&store, dir, config, args)
}

/// One request (`head`: its request line and extra headers) on a fresh connection; the whole
/// response as text.
async fn request(addr: SocketAddr, head: String, body: String) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "{head}\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).await.unwrap();
    out
}

/// The threads of process `pid` now (Linux).
fn threads(pid: u32) -> usize {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_asks_runs_on_a_bounded_blocking_pool() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(
        dir.path(),
        "[server]\nmax_blocking_threads = 3\nrate_limit_per_second = 0.0\n",
        &[],
    );
    let pid = server.child.id();
    let asks: Vec<_> = (0..120)
        .map(|i| {
            let customer = ["Ford", "Toyota", "Contoso", "Fabrikam"][i % 4];
            let body =
                json!({"request": format!("cases and ICMs for {customer}"), "no_cache": true});
            tokio::spawn(request(
                server.addr,
                "POST /v1/ask HTTP/1.1".into(),
                body.to_string(),
            ))
        })
        .collect();
    let mut peak = threads(pid);
    while !asks.iter().all(|a| a.is_finished()) {
        peak = peak.max(threads(pid));
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    for ask in asks {
        let reply = ask.await.unwrap();
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    }
    // The main thread, the runtime's workers, the bounded blocking pool, and slack for a thread
    // the runtime may have starting or ending.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let bound = 1 + workers + 3 + 2;
    assert!(peak <= bound, "{peak} threads at the peak (bound {bound})");
}

#[tokio::test]
async fn a_token_removed_from_the_tokens_file_is_refused_as_revoked_without_a_restart() {
    use orca::server::auth::{ScopeKind, TokenRecord, TokensFile, hash_token};
    let record = |name: &str, token: &str| TokenRecord {
        name: name.into(),
        sha256: hash_token(token),
        scope: ScopeKind::All,
        tenants: vec![],
        segments: vec![],
        created_at: None,
    };
    let (keep, gone) = ("orca_keep_token", "orca_gone_token");
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.toml");
    TokensFile {
        tokens: vec![record("keep", keep), record("gone", gone)],
    }
    .save(&tokens)
    .unwrap();
    let server = serve(dir.path(), "", &["--tokens", tokens.to_str().unwrap()]);
    let ask = |token: &'static str| {
        let body = json!({"request": "How many cases does Ford have?"}).to_string();
        request(
            server.addr,
            format!("POST /v1/ask HTTP/1.1\r\nAuthorization: Bearer {token}"),
            body,
        )
    };
    let mcp = |token: &'static str| {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "t", "version": "0"}}})
        .to_string();
        request(
            server.addr,
            format!(
                "POST /mcp HTTP/1.1\r\nAuthorization: Bearer {token}\r\n\
                 Accept: application/json, text/event-stream"
            ),
            body,
        )
    };
    assert!(ask(gone).await.starts_with("HTTP/1.1 200"));
    assert!(mcp(gone).await.starts_with("HTTP/1.1 200"));

    // `orca token remove gone`, as the command writes the file.
    TokensFile {
        tokens: vec![record("keep", keep)],
    }
    .save(&tokens)
    .unwrap();
    let refused = async {
        loop {
            let reply = ask(gone).await;
            if !reply.starts_with("HTTP/1.1 200") {
                return reply;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let reply = tokio::time::timeout(Duration::from_secs(10), refused)
        .await
        .expect("the server reloads the tokens file within seconds");
    assert!(reply.starts_with("HTTP/1.1 401"), "{reply}");
    let body: serde_json::Value = serde_json::from_str(reply.split("\r\n\r\n").nth(1).unwrap())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {reply}"));
    assert_eq!(body["error"]["code"], "unauthorized", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("revoked"),
        "{body}"
    );
    let mcp_reply = mcp(gone).await;
    assert!(mcp_reply.starts_with("HTTP/1.1 401"), "{mcp_reply}");
    assert!(mcp_reply.contains("revoked"), "{mcp_reply}");
    assert!(ask(keep).await.starts_with("HTTP/1.1 200"));
}
