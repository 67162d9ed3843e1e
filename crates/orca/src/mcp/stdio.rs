//! MCP over stdin/stdout (`orca mcp`): one JSON-RPC message per line, as the MCP stdio transport
//! says, and JSON-RPC's answer to every line that is not a message (rmcp's own stdio transport
//! drops unparsable lines without a word, so a client never learns why it got no reply):
//!
//! - not UTF-8, or not JSON: a parse error (`-32700`, `id: null`);
//! - JSON that is not a message this server understands: Invalid Request (`-32600`) with the
//!   line's `id` when it has one; a notification (a `method` without an `id`) that is not
//!   understood is ignored, as JSON-RPC never answers notifications;
//! - longer than [`MAX_LINE_BYTES`]: Invalid Request, and the line is discarded;
//! - empty or blank: skipped without an answer. It holds no message, and clients that end each
//!   message with a blank line would otherwise get an error for every message they send.
//!
//! The session goes on after each of them.
//! Invariant: stdout carries whole JSON-RPC messages only, one per line: every write takes one
//! lock, writes the whole line and flushes, and replies to bad lines are written by their own
//! task, so a cancelled `receive` never cuts one.

use std::io;
use std::sync::Arc;

use rmcp::RoleServer;
use rmcp::model::{ClientJsonRpcMessage, ErrorData, RequestId, ServerJsonRpcMessage};
use rmcp::transport::Transport;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, AsyncRead, AsyncWrite, AsyncWriteExt as _, BufReader};
use tokio::sync::Mutex;

/// The longest line read as a message (4 MiB); longer ones are refused.
pub const MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The line transport over a reader (stdin) and a writer (stdout).
pub struct StdioTransport<R, W> {
    reader: BufReader<R>,
    /// The line read so far (kept across a cancelled `receive`).
    line: Vec<u8>,
    /// Dropping the rest of an over-long line.
    discarding: bool,
    out: Arc<Mutex<W>>,
}

impl<R, W> StdioTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    pub fn new(reader: R, writer: W) -> Self {
        StdioTransport {
            reader: BufReader::new(reader),
            line: Vec::new(),
            discarding: false,
            out: Arc::new(Mutex::new(writer)),
        }
    }

    /// Reads up to the next newline into `self.line` (a line, the end of input, or a line too
    /// long, whose rest is then skipped). Cancel-safe: a partial line stays in `self.line`.
    async fn read_line(&mut self) -> io::Result<Read> {
        loop {
            let available = self.reader.fill_buf().await?;
            if available.is_empty() {
                // The end of input: a last line without its newline still counts.
                return Ok(if self.line.is_empty() || self.discarding {
                    Read::Eof
                } else {
                    Read::Line
                });
            }
            let newline = available.iter().position(|b| *b == b'\n');
            let take = newline.map_or(available.len(), |i| i + 1);
            if self.discarding {
                self.reader.consume(take);
                self.discarding = newline.is_none();
                continue;
            }
            if self.line.len() + take > MAX_LINE_BYTES + 1 {
                self.line.clear();
                self.reader.consume(take);
                self.discarding = newline.is_none();
                return Ok(Read::TooLong);
            }
            self.line.extend_from_slice(&available[..take]);
            self.reader.consume(take);
            if newline.is_some() {
                return Ok(Read::Line);
            }
        }
    }

    /// Writes `reply` on its own task (see the module invariant).
    fn reply(&self, reply: ServerJsonRpcMessage) {
        let out = Arc::clone(&self.out);
        tokio::spawn(async move {
            if let Err(e) = write_line(&out, &reply).await {
                tracing::debug!(error = %e, "cannot answer a bad line on stdout");
            }
        });
    }
}

/// What one read found.
enum Read {
    Line,
    TooLong,
    Eof,
}

/// What a line is.
#[derive(Debug)]
enum Parsed {
    Message(Box<ClientJsonRpcMessage>),
    Skip,
    Reply(Box<ServerJsonRpcMessage>),
}

/// Sorts one line (without its newline) as the module docs say.
fn parse(line: &[u8]) -> Parsed {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_prefix(UTF8_BOM).unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Parsed::Skip;
    }
    let Ok(text) = std::str::from_utf8(line) else {
        return Parsed::Reply(Box::new(parse_error("the line is not valid UTF-8")));
    };
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => {
            return Parsed::Reply(Box::new(parse_error(&format!(
                "the line is not JSON ({e})"
            ))));
        }
    };
    let id = value
        .get("id")
        .and_then(|id| serde_json::from_value::<RequestId>(id.clone()).ok());
    let is_notification = value.get("method").is_some() && value.get("id").is_none();
    match serde_json::from_value::<ClientJsonRpcMessage>(value) {
        Ok(message) => Parsed::Message(Box::new(message)),
        Err(_) if is_notification => Parsed::Skip,
        Err(e) => Parsed::Reply(Box::new(ServerJsonRpcMessage::error(
            ErrorData::invalid_request(
                format!(
                    "Invalid Request: not a JSON-RPC 2.0 request, notification or response \
                     this server understands ({e})"
                ),
                None,
            ),
            id,
        ))),
    }
}

fn parse_error(why: &str) -> ServerJsonRpcMessage {
    ServerJsonRpcMessage::error(
        ErrorData::parse_error(format!("Parse error: {why}"), None),
        None,
    )
}

async fn write_line<W: AsyncWrite + Unpin>(
    out: &Mutex<W>,
    message: &ServerJsonRpcMessage,
) -> io::Result<()> {
    let mut line = serde_json::to_vec(message).map_err(io::Error::other)?;
    line.push(b'\n');
    let mut out = out.lock().await;
    out.write_all(&line).await?;
    out.flush().await
}

impl<R, W> Transport<RoleServer> for StdioTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Error = io::Error;

    fn send(
        &mut self,
        item: ServerJsonRpcMessage,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let out = Arc::clone(&self.out);
        async move { write_line(&out, &item).await }
    }

    async fn receive(&mut self) -> Option<ClientJsonRpcMessage> {
        loop {
            let read = match self.read_line().await {
                Ok(read) => read,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read stdin");
                    return None;
                }
            };
            match read {
                Read::Eof => return None,
                Read::TooLong => self.reply(ServerJsonRpcMessage::error(
                    ErrorData::invalid_request(
                        format!(
                            "Invalid Request: the message is longer than {MAX_LINE_BYTES} bytes"
                        ),
                        None,
                    ),
                    None,
                )),
                Read::Line => {
                    let line = std::mem::take(&mut self.line);
                    let line = line.strip_suffix(b"\n").unwrap_or(&line);
                    match parse(line) {
                        Parsed::Message(message) => return Some(*message),
                        Parsed::Skip => {}
                        Parsed::Reply(reply) => self.reply(*reply),
                    }
                }
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        self.out.lock().await.flush().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_code(parsed: &Parsed) -> Option<i32> {
        match parsed {
            Parsed::Reply(reply) => match &**reply {
                ServerJsonRpcMessage::Error(e) => Some(e.error.code.0),
                _ => None,
            },
            _ => None,
        }
    }

    #[test]
    fn bad_lines_get_the_json_rpc_error_and_blank_ones_nothing() {
        assert_eq!(error_code(&parse(b"{not json")), Some(-32700));
        assert_eq!(error_code(&parse(b"\xff\xfe{}")), Some(-32700));
        assert_eq!(
            error_code(&parse(br#"{"jsonrpc":"2.0","id":7}"#)),
            Some(-32600)
        );
        assert_eq!(error_code(&parse(b"[1, 2]")), Some(-32600));
        assert!(matches!(parse(b""), Parsed::Skip));
        assert!(matches!(parse(b"  \t\r"), Parsed::Skip));
        assert!(matches!(
            parse(br#"{"jsonrpc":"2.0","method":"notifications/whatever","params":{"x":1}}"#),
            Parsed::Skip | Parsed::Message(_)
        ));
        let ping = br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
        assert!(matches!(parse(ping), Parsed::Message(_)));
        let with_bom = [UTF8_BOM, ping.as_slice()].concat();
        assert!(matches!(parse(&with_bom), Parsed::Message(_)));
    }

    #[test]
    fn an_invalid_request_keeps_its_id() {
        let Parsed::Reply(reply) = parse(br#"{"id":"a-1","x":true}"#) else {
            panic!("not a reply")
        };
        let ServerJsonRpcMessage::Error(e) = *reply else {
            panic!("not an error reply")
        };
        assert_eq!(e.id, Some(RequestId::String("a-1".into())));
    }
}
