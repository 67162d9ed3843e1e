//! The soak's HTTP client: the seeded asks, sent over plain HTTP/1.1 to the loopback server with
//! a few in flight, each waited for at most the deadline plus a margin, and read into outcomes.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::anyhow;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// The largest response the client reads; a report is a few KB.
pub(super) const MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

/// The phrasings a soak asks: `{c}` and `{d}` are customer names. Each one is answered (fully
/// or partially) by the demo data set, so a 4xx in a soak is a finding too. The investigation
/// ("why ...") runs two engine runs under the one deadline of the ask.
pub(super) const PHRASINGS: [&str; 15] = [
    "Why did cases for {c} go up last month?",
    "Show cases and ICMs for {c}",
    "How many open cases does {c} have?",
    "incidents for {c} in the last 30 days",
    "What is the tenant health of {c}?",
    "open work items for {c}",
    "Everything about {c}",
    "Is {c} having issues this week?",
    "Compare {c} and {d}",
    "sev 1 incidents for {c} last month",
    "cases, incidents and work items for {c}",
    "how is {c} doing",
    "oldest open cases for {c}",
    "Which customers have the most open cases?",
    "{c} and {d}: open incidents",
];

/// The request of each ask, drawn from the seed.
pub(super) fn requests(registry: &orca_core::Registry, asks: usize, seed: u64) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(seed);
    let names: Vec<&str> = registry
        .customers()
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let name = |rng: &mut StdRng| match names.len() {
        0 => "Contoso",
        n => names[rng.random_range(0..n)],
    };
    (0..asks)
        .map(|_| {
            let phrasing = PHRASINGS[rng.random_range(0..PHRASINGS.len())];
            let c = name(&mut rng);
            let d = name(&mut rng);
            phrasing.replace("{c}", c).replace("{d}", d)
        })
        .collect()
}

/// What the client sends and how long it waits.
pub(super) struct Plan {
    pub(super) requests: Vec<String>,
    pub(super) concurrency: usize,
    pub(super) deadline: Duration,
    pub(super) margin: Duration,
    pub(super) now: Option<String>,
}

/// How one ask ended, as the client saw it.
#[derive(Debug)]
pub(super) enum AskResult {
    /// An HTTP answer: status, elapsed, and for a 200 the sections not ok without a reason.
    Answered {
        status: u16,
        elapsed: Duration,
        outcome: Option<Outcome>,
    },
    /// No answer by deadline + margin.
    Hung,
    /// The connection failed before an answer.
    Failed(String),
}

/// What the client saw, with the process's RSS around it.
pub(super) struct Measured {
    pub(super) results: Vec<AskResult>,
    pub(super) took: Duration,
    pub(super) rss_before_kb: Option<u64>,
    pub(super) rss_after_kb: Option<u64>,
}

/// What a 200 report says.
#[derive(Debug, Default)]
pub(super) struct Outcome {
    pub(super) partial: bool,
    pub(super) unanswered: bool,
    /// The server's own measure of the ask (`timings.total_ms`).
    pub(super) server_ms: f64,
    pub(super) sections: u64,
    pub(super) not_ok: u64,
    pub(super) reasonless: u64,
}

/// Sends every ask, `concurrency` at a time; results in ask order.
pub(super) async fn send_all(addr: SocketAddr, plan: &Plan) -> Vec<AskResult> {
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<AskResult>>> =
        plan.requests.iter().map(|_| Mutex::new(None)).collect();
    let worker = || async {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(request) = plan.requests.get(i) else {
                break;
            };
            let result = ask_once(addr, request, plan).await;
            *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
        }
    };
    let workers: Vec<_> = (0..plan.concurrency).map(|_| worker()).collect();
    join_all(workers).await;
    results
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or(AskResult::Failed("never sent".to_string()))
        })
        .collect()
}

/// Drives the workers together on this task (they borrow the plan, so they are not spawned).
pub(super) async fn join_all<F: std::future::Future<Output = ()>>(futures: Vec<F>) {
    let mut futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
    std::future::poll_fn(move |cx| {
        futures.retain_mut(|f| f.as_mut().poll(cx).is_pending());
        if futures.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
}

/// One `POST /v1/ask`, bounded by deadline + margin.
pub(super) async fn ask_once(addr: SocketAddr, request: &str, plan: &Plan) -> AskResult {
    let mut body = serde_json::json!({ "request": request, "no_cache": true });
    if let Some(now) = &plan.now {
        body["now"] = Value::String(now.clone());
    }
    let body = body.to_string();
    let started = Instant::now();
    let sent = tokio::time::timeout(
        plan.deadline + plan.margin,
        post(addr, "/v1/ask", body.as_bytes()),
    )
    .await;
    let elapsed = started.elapsed();
    match sent {
        Err(_) => AskResult::Hung,
        Ok(Err(e)) => AskResult::Failed(format!("{e:#}")),
        Ok(Ok((status, body))) => AskResult::Answered {
            status,
            elapsed,
            outcome: (status == 200).then(|| outcome(&body)),
        },
    }
}

/// Reads a report: sections not ok, and those of them (or of `errors`) without a reason.
pub(super) fn outcome(body: &[u8]) -> Outcome {
    let Ok(report) = serde_json::from_slice::<Value>(body) else {
        // A 200 that is not a report cannot show its reasons: count it as one reasonless gap.
        return Outcome {
            reasonless: 1,
            ..Outcome::default()
        };
    };
    let has_reason = |v: &Value| {
        v.get("reason")
            .and_then(Value::as_str)
            .is_some_and(|r| !r.trim().is_empty())
    };
    let mut outcome = Outcome {
        partial: report["partial"].as_bool().unwrap_or(false),
        unanswered: report["unanswered"].as_bool().unwrap_or(false),
        server_ms: report["timings"]["total_ms"].as_f64().unwrap_or(0.0),
        ..Outcome::default()
    };
    for section in report["sections"].as_array().into_iter().flatten() {
        outcome.sections += 1;
        if section["status"].as_str() != Some("ok") {
            outcome.not_ok += 1;
            if !has_reason(section) {
                outcome.reasonless += 1;
            }
        }
    }
    for error in report["errors"].as_array().into_iter().flatten() {
        if !has_reason(error) {
            outcome.reasonless += 1;
        }
    }
    outcome
}

/// A minimal HTTP/1.1 client: one request per connection (`Connection: close`); returns the
/// status and the body (de-chunked when needed).
pub(super) async fn post(
    addr: SocketAddr,
    path: &str,
    body: &[u8],
) -> anyhow::Result<(u16, Vec<u8>)> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    let mut response = Vec::new();
    stream
        .take(MAX_RESPONSE_BYTES)
        .read_to_end(&mut response)
        .await?;
    parse_response(&response)
}

pub(super) fn parse_response(response: &[u8]) -> anyhow::Result<(u16, Vec<u8>)> {
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| anyhow!("the response has no end of headers"))?;
    let head = std::str::from_utf8(&response[..split])?;
    let body = &response[split + 4..];
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| anyhow!("the response has no status line"))?;
    let chunked = lines.any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("transfer-encoding")
                && value.trim().eq_ignore_ascii_case("chunked")
        })
    });
    let body = if chunked {
        dechunk(body)?
    } else {
        body.to_vec()
    };
    Ok((status, body))
}

pub(super) fn dechunk(mut rest: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| anyhow!("a chunk has no size line"))?;
        let size_text = std::str::from_utf8(&rest[..line_end])?;
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| anyhow!("bad chunk size `{size_text}`"))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        let chunk = rest
            .get(..size)
            .ok_or_else(|| anyhow!("a chunk is cut short"))?;
        body.extend_from_slice(chunk);
        rest = rest.get(size + 2..).unwrap_or(&[]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_and_chunked_responses() {
        let plain = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(parse_response(plain).unwrap(), (200, b"{}".to_vec()));
        let chunked =
            b"HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse_response(chunked).unwrap(), (503, b"abcde".to_vec()));
        assert!(parse_response(b"garbage").is_err());
    }

    #[test]
    fn counts_sections_not_ok_without_a_reason() {
        let body = br#"{"partial": true, "unanswered": false,
            "sections": [{"status": "ok"}, {"status": "timeout", "reason": "timeout after 250 ms"},
                         {"status": "error"}, {"status": "error", "reason": " "}],
            "errors": [{"reason": "x"}, {"reason": ""}]}"#;
        let o = outcome(body);
        assert_eq!((o.sections, o.not_ok, o.reasonless), (4, 3, 3));
        assert!(o.partial && !o.unanswered);
        assert_eq!(outcome(b"not json").reasonless, 1);
    }

    #[test]
    fn the_ask_sequence_depends_only_on_the_seed() {
        let (registry, _) =
            orca_core::Registry::from_csv(orca_connectors::DEMO_REGISTRY_CSV.as_bytes()).unwrap();
        assert_eq!(requests(&registry, 50, 7), requests(&registry, 50, 7));
        assert_ne!(requests(&registry, 50, 7), requests(&registry, 50, 8));
    }
}
