//! Standard output and error for the command line, without the panics of `println!` and
//! `eprintln!`: those panic when the reader has gone (`orca ask "list all cases" | head -1`, a
//! broken pipe), and a panic is never an acceptable answer.
//!
//! Decisions: when standard output is closed by its reader, Orca stops at once and exits 0 (the
//! reader chose to stop reading; as `head` expects of a producer, and as ripgrep does). Any other
//! failure to write standard output is reported on stderr and exits 1. A failure to write
//! standard error is ignored: there is nowhere left to say it.

use std::fmt;
use std::io::{ErrorKind, Write};

/// Writes `args` to standard output (see the module docs for a failed write).
pub fn stdout(args: fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        if e.kind() == ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        stderr(format_args!(
            "error: cannot write to standard output: {e}\n"
        ));
        std::process::exit(1);
    }
}

/// Writes `args` to standard error, ignoring a failure.
pub fn stderr(args: fmt::Arguments<'_>) {
    let _ = std::io::stderr().lock().write_fmt(args);
}

/// `print!` that never panics (see [`stdout`]).
macro_rules! out {
    ($($arg:tt)*) => { $crate::out::stdout(format_args!($($arg)*)) };
}

/// `println!` that never panics (see [`stdout`]).
macro_rules! outln {
    () => { $crate::out::stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::out::stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `eprintln!` that never panics (see [`stderr`]).
macro_rules! errln {
    ($($arg:tt)*) => { $crate::out::stderr(format_args!("{}\n", format_args!($($arg)*))) };
}

pub(crate) use {errln, out, outln};
