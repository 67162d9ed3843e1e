//! `orca mcp` on stdin/stdout: a line that is not a message gets JSON-RPC's answer (not UTF-8 or
//! not JSON: a parse error, -32700; JSON that is no message: Invalid Request, -32600, with its
//! id), a blank line gets none, and the session goes on. In process over a pipe, and once
//! through the built binary.

mod common;

use std::io::{BufRead as _, Write as _};
use std::process::{Command, Stdio};
use std::time::Duration;

use orca::mcp::OrcaMcp;
use orca::mcp::stdio::StdioTransport;
use rmcp::ServiceExt as _;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _};

fn initialize() -> String {
    json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "orca-test", "version": "0"}
        }
    })
    .to_string()
}

const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
const TOOLS_LIST: &str = r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#;

/// The bytes a careless or hostile client sends, valid messages among them.
fn session_input() -> Vec<u8> {
    let mut input = Vec::new();
    input.extend_from_slice(b"{this is not json\n");
    input.extend_from_slice(initialize().as_bytes());
    input.extend_from_slice(b"\n\n   \r\n");
    input.extend_from_slice(b"\xff\xfe not utf-8\n");
    input.extend_from_slice(INITIALIZED.as_bytes());
    input.extend_from_slice(b"\n{\"jsonrpc\":\"2.0\",\"id\":9}\n");
    input.extend_from_slice(TOOLS_LIST.as_bytes());
    input.push(b'\n');
    input
}

/// Reads messages until the replies to requests 1 and 2 arrived; every line must be JSON.
async fn replies(mut next: impl AsyncFnMut() -> Option<String>) -> Vec<Value> {
    let mut seen = Vec::new();
    while !(has_id(&seen, 1) && has_id(&seen, 2) && errors(&seen).len() >= 3) {
        let line = tokio::time::timeout(Duration::from_secs(20), next())
            .await
            .expect("a reply within 20 s")
            .unwrap_or_else(|| panic!("stdout ended after {seen:?}"));
        seen.push(serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}")));
    }
    seen
}

fn has_id(seen: &[Value], id: i64) -> bool {
    seen.iter()
        .any(|m| m["id"] == id && m.get("result").is_some())
}

fn errors(seen: &[Value]) -> Vec<&Value> {
    seen.iter().filter(|m| m.get("error").is_some()).collect()
}

fn check(seen: &[Value]) {
    let errors = errors(seen);
    let parse_errors: Vec<_> = errors
        .iter()
        .filter(|e| e["error"]["code"] == -32700)
        .collect();
    assert_eq!(parse_errors.len(), 2, "not JSON, not UTF-8: {errors:?}");
    assert!(parse_errors.iter().all(|e| e["id"].is_null()));
    let invalid: Vec<_> = errors
        .iter()
        .filter(|e| e["error"]["code"] == -32600)
        .collect();
    assert_eq!(invalid.len(), 1, "{errors:?}");
    assert_eq!(invalid[0]["id"], 9);
    assert_eq!(errors.len(), 3, "blank lines are not answered: {errors:?}");
    let tools = seen.iter().find(|m| m["id"] == 2).unwrap();
    assert_eq!(tools["result"]["tools"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn bad_lines_get_json_rpc_errors_and_the_session_goes_on() {
    let orca = common::open_service(common::service_data_dir(), &[]);
    let (client, server) = tokio::io::duplex(1 << 20);
    let (server_read, server_write) = tokio::io::split(server);
    tokio::spawn(async move {
        let transport = StdioTransport::new(server_read, server_write);
        if let Ok(running) = OrcaMcp::new(orca).serve(transport).await {
            let _ = running.waiting().await;
        }
    });
    let (client_read, mut client_write) = tokio::io::split(client);
    client_write.write_all(&session_input()).await.unwrap();
    let mut lines = tokio::io::BufReader::new(client_read).lines();
    let seen = replies(async || lines.next_line().await.unwrap()).await;
    check(&seen);
}

#[test]
fn orca_mcp_answers_bad_lines_and_keeps_the_session() {
    let store = common::shared_demo_store().join("store");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("orca"))
        .env_remove("ORCA_DATA")
        .env_remove("ORCA_REDIS_URL")
        .arg("--data")
        .arg(&store)
        .args(["--now", common::NOW, "mcp"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&session_input()).unwrap();
    stdin.flush().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                return;
            }
        }
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let seen = runtime.block_on(replies(async || {
        rx.recv_timeout(Duration::from_secs(20)).ok()
    }));
    check(&seen);
    // Closing stdin ends the session and the process, cleanly.
    drop(stdin);
    assert!(child.wait().unwrap().success());
}
