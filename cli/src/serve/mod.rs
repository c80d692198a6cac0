//! `span-autolink serve`: a stage in a trace pipeline that receives OTLP
//! and Datadog spans, resolves their pointers as they arrive, and passes
//! the spans on with the links added.

mod forward;
mod held;
mod http;
mod metrics;
mod sampling;
mod service;

use crate::failure::Failure;
use service::{Service, ServiceOptions};
use span_autolink_linker::{
    LiveLimits, MatchOptions, MemoryIndex, PointerIndex, RedisIndex, RedisOptions,
};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

pub struct ServeArgs {
    pub listen: SocketAddr,
    pub forward: Option<String>,
    pub wait_nanos: u64,
    pub ttl_nanos: u64,
    pub skew_nanos: u64,
    pub max_pointers: usize,
    pub max_body: usize,
    /// `redis://...` or `redis+cluster://...`; `None` keeps pointers in memory.
    pub store: Option<String>,
    pub store_namespace: String,
    pub store_timeout_nanos: u64,
    pub sample_pointers: Option<f64>,
}

/// How often held spans are checked for the end of their wait.
const TICK: Duration = Duration::from_millis(100);

pub fn run(args: ServeArgs) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure {
            code: "runtime_failed",
            message: format!(
                "could not start the async runtime ({e}); check the process's thread limits"
            ),
        })?;
    runtime.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> Result<(), Failure> {
    let match_options = MatchOptions {
        skew_nanos: args.skew_nanos,
    };
    match &args.store {
        None => {
            let limits = LiveLimits {
                ttl: args.ttl_nanos,
                cap: args.max_pointers,
            };
            serve_with(&args, MemoryIndex::new(match_options, limits)).await
        }
        Some(url) => {
            let index = RedisIndex::connect(RedisOptions {
                url: url.clone(),
                namespace: args.store_namespace.clone(),
                ttl: Duration::from_nanos(args.ttl_nanos),
                timeout: Duration::from_nanos(args.store_timeout_nanos),
                match_options,
            })
            .await
            .map_err(|e| Failure {
                code: e.code,
                message: e.message,
            })?;
            if index.stats().reachable == Some(false) {
                eprintln!("span-autolink: store_unavailable: {url} does not answer yet; spans pass through unlinked until it does");
            }
            serve_with(&args, index).await
        }
    }
}

async fn serve_with<I: PointerIndex>(args: &ServeArgs, index: I) -> Result<(), Failure> {
    let service = Arc::new(Service::new(
        ServiceOptions {
            max_held: args.max_pointers,
            wait: args
                .forward
                .as_ref()
                .map(|_| Duration::from_nanos(args.wait_nanos)),
            sample_pointers: args.sample_pointers,
            ttl: Duration::from_nanos(args.ttl_nanos),
        },
        index,
    ));
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| Failure {
            code: "listen_failed",
            message: format!(
                "could not listen on {} ({e}); choose a free address with --listen",
                args.listen
            ),
        })?;
    let local = listener.local_addr().map_err(|e| Failure {
        code: "listen_failed",
        message: format!("the listening socket has no address ({e}); try another --listen"),
    })?;
    eprintln!("span-autolink: listening on {local}");

    let (queue, forwarder) = match args.forward.clone() {
        Some(url) => {
            let (tx, rx) = mpsc::channel(forward::QUEUE);
            (Some(tx), Some(tokio::spawn(forward::run(url, rx))))
        }
        None => (None, None),
    };
    let ticker = queue.clone().map(|queue| {
        let service = service.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(TICK);
            loop {
                interval.tick().await;
                for request in service.release(false).await {
                    if queue.send(request).await.is_err() {
                        return;
                    }
                }
            }
        })
    });
    let state = Arc::new(http::AppState {
        service: service.clone(),
        forward: queue.clone(),
        max_body: args.max_body,
    });
    axum::serve(listener, http::router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| Failure {
            code: "serve_failed",
            message: format!("the server stopped ({e}); see the error and restart"),
        })?;

    // Shutdown: whatever is held goes on now, with the links found so far.
    if let Some(ticker) = ticker {
        ticker.abort();
    }
    if let Some(queue) = queue {
        for request in service.release(true).await {
            let _ = queue.send(request).await;
        }
        drop(queue);
    }
    if let Some(forwarder) = forwarder {
        let _ = forwarder.await;
    }
    eprintln!("span-autolink: stopped");
    Ok(())
}

async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = terminate => {},
        _ = tokio::signal::ctrl_c() => {},
    }
}
