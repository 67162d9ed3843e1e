//! `orca chat`: an interactive session over one service (one engine, one cache) until `/quit`
//! or end of input.
//!
//! On a terminal: line editing and history (rustyline; the history file is `chat_history.txt`
//! in the data directory), a prompt, Ctrl-C at the prompt clears the line. When standard input
//! is not a terminal, lines are read plainly and only the answers are printed (no prompt, no
//! banner), so `printf 'cases for Ford\nand for GM?\n/stats\n' | orca chat` is scriptable.
//! Either way Ctrl-C during an ask cancels that ask (its unfinished sections become `skipped`)
//! and the session goes on; Ctrl-C with no ask running on a pipe ends the session (exit 130).
//! A registry file (`--registry` or `registry =`) is reloaded when it changes.
//!
//! A line that is not UTF-8, or longer than [`MAX_LINE_BYTES`], is refused with one sentence on
//! stderr and the session goes on with the next line.

use crate::out::{errln, outln};
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use rustyline::error::ReadlineError;
use tokio_util::sync::CancellationToken;

use crate::app;
use crate::chat::{Session, Turn};
use crate::cli::CommonArgs;
use crate::error::CliResult;

/// The longest line read; the rest of a longer one is skipped (a request is at most a few
/// thousand characters, so this only bounds memory against a runaway input).
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// The ask running now, if any, for Ctrl-C to cancel.
type Current = Arc<Mutex<Option<CancellationToken>>>;

pub fn run(common: &CommonArgs) -> CliResult<ExitCode> {
    let config = app::config(common)?;
    let runtime = app::runtime()?;
    let stop = CancellationToken::new();
    let orca = app::open_watched_service(config, common, &runtime, &stop)?;
    let _entered = runtime.enter();

    let interactive = std::io::stdin().is_terminal();
    let current: Current = Arc::new(Mutex::new(None));
    runtime.spawn(cancel_on_ctrl_c(Arc::clone(&current), interactive));

    let history = orca.config().data_dir.join("chat_history.txt");
    let mut session = Session::new(orca, common.now);
    if interactive {
        let mut editor = rustyline::DefaultEditor::new()?;
        let _ = editor.load_history(&history);
        outln!(
            "Orca chat: ask about customers in plain words. /help for commands, Ctrl-D to leave."
        );
        loop {
            match editor.readline("orca> ") {
                Ok(line) => {
                    if !line.trim().is_empty() {
                        let _ = editor.add_history_entry(line.as_str());
                    }
                    if one_turn(&runtime, &mut session, &current, &line) {
                        break;
                    }
                }
                Err(ReadlineError::Interrupted) => continue,
                Err(ReadlineError::Eof) => break,
                Err(ReadlineError::Io(e)) if e.kind() == std::io::ErrorKind::InvalidData => {
                    errln!("error: that line is not valid UTF-8 text; it was skipped");
                }
                Err(e) => return Err(e.into()),
            }
        }
        if let Some(dir) = history.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = editor.save_history(&history);
    } else {
        let mut input = std::io::stdin().lock();
        let mut number = 0;
        while let Some(line) = read_line(&mut input)? {
            number += 1;
            match line {
                Ok(line) => {
                    if one_turn(&runtime, &mut session, &current, &line) {
                        break;
                    }
                }
                Err(why) => errln!("error: line {number} {why}; it was skipped"),
            }
        }
    }
    stop.cancel();
    Ok(ExitCode::SUCCESS)
}

/// The next line without its line ending, or why it cannot be a request; `None` at the end of
/// input. Never reads more than [`MAX_LINE_BYTES`] of one line into memory.
pub fn read_line(input: &mut impl BufRead) -> std::io::Result<Option<Result<String, String>>> {
    let mut bytes = Vec::new();
    let mut too_long = false;
    loop {
        let available = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            if bytes.is_empty() && !too_long {
                return Ok(None);
            }
            break;
        }
        let (chunk, newline) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..i], Some(i)),
            None => (available, None),
        };
        if bytes.len() + chunk.len() > MAX_LINE_BYTES {
            too_long = true;
        } else {
            bytes.extend_from_slice(chunk);
        }
        let consumed = newline.map_or(chunk.len(), |i| i + 1);
        input.consume(consumed);
        if newline.is_some() {
            break;
        }
    }
    if too_long {
        return Ok(Some(Err(format!(
            "is longer than {} KiB",
            MAX_LINE_BYTES / 1024
        ))));
    }
    if bytes.last() == Some(&b'\r') {
        bytes.pop();
    }
    Ok(Some(
        String::from_utf8(bytes).map_err(|_| "is not valid UTF-8 text".to_string()),
    ))
}

/// Runs one line and prints what it says; true when the session ends.
fn one_turn(
    runtime: &tokio::runtime::Runtime,
    session: &mut Session,
    current: &Current,
    line: &str,
) -> bool {
    let cancel = CancellationToken::new();
    *lock(current) = Some(cancel.clone());
    let Turn { output, quit } = runtime.block_on(session.turn(line, cancel));
    *lock(current) = None;
    if !output.is_empty() {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{output}");
        let _ = stdout.flush();
    }
    quit
}

/// Ctrl-C cancels the running ask; with none running, on a pipe it ends the process.
async fn cancel_on_ctrl_c(current: Current, interactive: bool) {
    while tokio::signal::ctrl_c().await.is_ok() {
        match lock(&current).as_ref() {
            Some(ask) => ask.cancel(),
            None if !interactive => std::process::exit(130),
            None => {}
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
