//! `chronicle serve`: the HTTP API, and the projector beside it unless told otherwise.

use tokio::sync::watch;

use super::args::ServeArgs;
use super::ctx::{Ctx, Failure, emit};
use crate::app::config::ReadAccess;
use crate::app::projector::RunNote;
use crate::http::{self, ApiState, auth::Tokens};
use crate::telemetry;

/// The tokens from `CHRONICLE_API_TOKENS`, else the config file.
fn tokens(ctx: &Ctx) -> Result<Tokens, Failure> {
    let from_env = std::env::var("CHRONICLE_API_TOKENS").ok();
    let spec = from_env.or_else(|| ctx.config.api_tokens.as_ref().map(|s| s.0.clone()));
    match spec {
        None => Ok(Tokens::default()),
        Some(s) => Tokens::parse(&s).map_err(Failure::usage),
    }
}

/// Resolves on Ctrl-C or SIGTERM (or never, where neither can be listened for).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Runs the server with its spans exported where asked; buffered spans are sent on the
/// way out, whatever the outcome.
pub(super) async fn serve(ctx: &Ctx, args: ServeArgs) -> Result<(), Failure> {
    let traces = match &args.otlp_endpoint {
        Some(e) if !e.trim().is_empty() => Some(telemetry::traces_url(e).map_err(Failure::usage)?),
        _ => None,
    };
    // The exporter's blocking HTTP client is built and dropped off the runtime's threads.
    let telemetry = tokio::task::spawn_blocking(move || telemetry::init(traces.as_deref()))
        .await
        .map_err(|e| Failure::usage(format!("cannot set up tracing: {e}")))?
        .map_err(Failure::usage)?;
    let exporting = telemetry.exporting();
    let served = serve_traced(ctx, args, exporting).await;
    let _ = tokio::task::spawn_blocking(move || telemetry.shutdown()).await;
    served
}

async fn serve_traced(ctx: &Ctx, args: ServeArgs, exporting: bool) -> Result<(), Failure> {
    let tokens = tokens(ctx)?;
    let reads = args.reads.unwrap_or(ctx.config.api_reads);
    let services = if ctx.read_only {
        ctx.reader().await?
    } else {
        ctx.writer().await?
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| Failure::usage(format!("cannot listen on {}: {e}", args.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::usage(format!("cannot listen on {}: {e}", args.listen)))?;
    let reach = if addr.ip().is_loopback() {
        "loopback only"
    } else {
        "reachable from other machines"
    };
    emit(&format!("serving http://{addr} ({reach})\n"))?;
    if exporting {
        emit("tracing: spans exported over OTLP/HTTP\n")?;
    }
    if reads == ReadAccess::Token {
        emit("reads need a token, as writes do\n")?;
    }
    if ctx.read_only {
        emit("read-only: every write is refused (403)\n")?;
    } else if tokens.is_empty() {
        emit(
            "no API tokens (CHRONICLE_API_TOKENS or api_tokens in the config): every write is refused (401)\n",
        )?;
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let projector = (!args.no_projector && !ctx.read_only).then(|| {
        let projector = services.projector.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let stopped = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            projector
                .run(stopped, |note| match note {
                    RunNote::Standby { .. } => {
                        eprintln!("projector: standby: another projector leads");
                    }
                    RunNote::Leading => eprintln!("projector: leading"),
                    RunNote::Unavailable { error, retry_in } => {
                        eprintln!(
                            "projector: {error}; retrying in {}",
                            crate::text::human_duration(retry_in)
                        );
                    }
                    RunNote::LostLease | RunNote::Progress(_) => {}
                })
                .await
        })
    });
    let state = ApiState {
        services,
        tokens,
        read_only: ctx.read_only,
        reads,
    };
    let mut stop = stop_rx.clone();
    let mut served = tokio::spawn(http::serve(listener, state, async move {
        let _ = stop.wait_for(|s| *s).await;
    }));
    // The server ending by itself (it cannot accept any more) stops the process too.
    let early = tokio::select! {
        () = shutdown_signal() => None,
        r = &mut served => Some(r),
    };
    emit("stopping: finishing requests in flight\n")?;
    let _ = stop_tx.send(true);
    let served = match early {
        Some(r) => r,
        None => served.await,
    }
    .map_err(|e| Failure::usage(format!("the server task failed: {e}")))?;
    served.map_err(|e| Failure::usage(format!("serving failed: {e}")))?;
    if let Some(p) = projector {
        match p.await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(e.into()),
            Err(e) => return Err(Failure::usage(format!("the projector task failed: {e}"))),
        }
    }
    emit("stopped\n")
}
