//! `orca serve [--addr 127.0.0.1:8080]`: the HTTP API, /metrics and the dashboard.
//!
//! Without a tokens file the server authenticates no one, so it binds to loopback addresses only,
//! unless `--allow-unauthenticated` says otherwise (with a warning). SIGTERM or Ctrl-C starts a
//! graceful shutdown bounded by `[server] shutdown_grace_ms`. A registry file named by `--registry`
//! or the config, and the tokens file, are reloaded when they change: a token removed with
//! `orca token remove` is refused within about a second, without a restart.

use crate::out::errln;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use tokio_util::sync::CancellationToken;

use crate::app;
use crate::cli::{CommonArgs, ServeArgs};
use crate::error::{BadInput, CliError, CliResult};
use crate::server::{self, ServerState, auth::Auth};

pub fn run(common: &CommonArgs, args: ServeArgs) -> CliResult<ExitCode> {
    let mut config = app::config(common)?;
    if let Some(tokens) = args.tokens {
        config.server.tokens_file = Some(tokens);
    }
    let addr_text = args.addr.unwrap_or_else(|| config.server.addr.clone());
    let addr: SocketAddr = addr_text
        .parse()
        .map_err(|e| anyhow!("--addr `{addr_text}` is not an address like 127.0.0.1:8080 ({e})"))
        .bad_input()?;
    let auth = match &config.server.tokens_file {
        Some(path) => {
            if !path.is_file() {
                return Err(CliError::bad_input(anyhow!(
                    "tokens file {} does not exist (create it with `orca token add`)",
                    path.display()
                )));
            }
            Auth::from_file(path).bad_input()?
        }
        None => Auth::disabled(),
    };
    if !auth.is_enabled() && !addr.ip().is_loopback() {
        if !args.allow_unauthenticated {
            return Err(CliError::bad_input(anyhow!(
                "refusing to serve {addr} without a tokens file: anyone who can reach it would \
                 see every customer (set [server] tokens_file or --tokens, bind to a loopback \
                 address, or pass --allow-unauthenticated)"
            )));
        }
        tracing::warn!(%addr, "serving without authentication on a non-loopback address");
        errln!("warning: serving {addr} without authentication: every caller sees every customer");
    }
    let grace = Duration::from_millis(config.server.shutdown_grace_ms);
    let runtime = server::runtime(&config.server)?;
    let shutdown = CancellationToken::new();
    let orca = app::open_watched_service(config, common, &runtime, &shutdown)?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr()?;
        let state = Arc::new(ServerState::new(orca, auth).with_default_now(common.now));
        if let Some(path) = state.orca.config().server.tokens_file.clone() {
            let reloading = Arc::clone(&state);
            tokio::spawn(crate::reload::watch(
                path,
                crate::reload::POLL_EVERY,
                shutdown.clone(),
                move |path| reloading.reload_tokens(path),
            ));
        }
        let app = server::router(Arc::clone(&state));
        tokio::spawn(cancel_on_signal(shutdown.clone()));
        errln!(
            "Orca listening on http://{local} ({})",
            if state.auth.is_enabled() {
                "bearer tokens required"
            } else {
                "no authentication"
            }
        );
        server::serve(listener, app, state, shutdown, grace)
            .await
            .context("the server failed")?;
        errln!("Orca stopped.");
        Ok::<_, CliError>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Cancels `shutdown` on Ctrl-C or SIGTERM.
async fn cancel_on_signal(shutdown: CancellationToken) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutdown signal received");
    shutdown.cancel();
}
