//! Building and running the server: `Application::build(settings)`, `port()`,
//! `run_until_stopped()`, so tests start the real server on port 0.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use tracing_actix_web::TracingLogger;

use crate::articles::Articles;
use crate::articles::seed::seed_demo_editorials;
use crate::auth::erasure::DataRights;
use crate::auth::sign_in::SignIn;
use crate::auth::{Auth, Hasher};
use crate::comments::Comments;
use crate::config::Settings;
use crate::history::History;
use crate::http::state::AppState;
use crate::http::{app, middleware};
use crate::moderation::{Desk, EventHub, Moderation, share_events};
use crate::policy::LivePolicy;
use crate::policy::live::reload_on_sighup;
use crate::reactions::service::Reactions;
use crate::storage::Store;
use crate::telemetry::metrics;
use crate::webhooks::Webhooks;

/// How often the queue gauges are counted again (one query each time).
const QUEUE_COUNT_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

pub struct Application {
    port: u16,
    server: Server,
    store: Arc<dyn Store>,
    events: Arc<EventHub>,
    /// The `METRICS_ADDR` listener and the task that counts the queues.
    metrics: Option<(Server, tokio::task::JoinHandle<()>)>,
    /// The webhook delivery workers, when `WEBHOOK_URLS` is set.
    webhooks: Option<Webhooks>,
}

impl Application {
    /// Opens the database (creating and migrating it), seeds the demo
    /// editorials on first start, and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let policy = Arc::new(LivePolicy::load(settings.policy_file.as_deref())?);
        reload_on_sighup(policy.clone()).context("cannot listen for SIGHUP")?;
        let store =
            crate::storage::open(&settings.database_url, settings.database_tuning()).await?;
        if settings.seed_demo {
            seed_demo_editorials(store.as_ref()).await?;
        }
        store.rank_ratios_from(settings.ratio_min_reactions).await?;
        let webhooks = Webhooks::start(store.clone(), &settings.webhooks)?;
        let hasher = Hasher::new(settings.password_hash_concurrency)?;
        let auth = Auth::new(store.clone(), hasher.clone(), policy.clone(), &settings);
        let data_rights = DataRights::new(store.clone(), hasher, auth.login_throttle(), &settings);
        let events = EventHub::new(
            settings.event_window,
            settings.event_streams,
            settings.event_streams_per_account,
        );
        share_events(&events, store.clone());
        let listener = TcpListener::bind(&settings.bind_addr)
            .with_context(|| format!("cannot listen on BIND_ADDR {}", settings.bind_addr))?;
        let address = listener.local_addr()?;
        let desk = Desk::new(store.clone(), events.clone(), &settings);
        let metrics = match settings.metrics_addr.as_deref() {
            Some(addr) => Some(serve_metrics(addr, desk.clone())?),
            None => None,
        };
        let state = web::Data::new(AppState {
            sign_in: SignIn::new(
                store.clone(),
                &settings,
                settings
                    .login
                    .public_url
                    .clone()
                    .unwrap_or_else(|| format!("http://{address}")),
            )?,
            articles: Articles::new(store.clone()),
            comments: Comments::new(store.clone(), policy.clone(), events.clone(), &settings)?,
            reactions: Reactions::new(store.clone(), policy.clone(), &settings),
            moderation: Moderation::new(store.clone(), policy.clone(), events.clone(), &settings),
            desk,
            events: events.clone(),
            history: History::new(store.clone(), &settings),
            webhooks: crate::webhooks::DeliveryLog::new(store.clone()),
            policy,
            settings,
            store: store.clone(),
            auth,
            data_rights,
        });
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let max_connections = state.settings.max_connections;
        let client_timeout = state.settings.client_timeout;
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(web::PayloadConfig::new(state.settings.json_body_limit))
                .app_data(middleware::query_config())
                .app_data(middleware::path_config())
                .wrap(from_fn(middleware::limit_heads))
                .wrap(from_fn(middleware::problems))
                .wrap(middleware::cors(&state.settings.allowed_origins))
                .wrap(middleware::security_headers())
                .wrap(TracingLogger::<middleware::RequestSpans>::new())
                .wrap(from_fn(middleware::head_as_get))
                .wrap(Condition::new(
                    metrics::enabled(),
                    from_fn(middleware::count_requests),
                ))
                .configure(app::configure)
        })
        .workers(workers)
        .max_connections(max_connections.div_ceil(workers))
        .client_request_timeout(client_timeout)
        // A client that closes its side is gone: its answer stops at once.
        // Otherwise an idle event stream would keep its slot until the next
        // heartbeat failed to write.
        .h1_allow_half_closed(false)
        .shutdown_timeout(10)
        .listen(listener)?
        .run();
        tracing::info!("listening on http://{address}");
        Ok(Application {
            port: address.port(),
            server,
            store,
            events,
            metrics,
            webhooks,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGINT or SIGTERM, then lets requests finish and closes the database.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        close_streams_on_stop(self.events.clone())?;
        let metrics = self.metrics.map(|(server, counting)| {
            let handle = server.handle();
            tokio::spawn(server);
            (handle, counting)
        });
        let result = self.server.await;
        if let Some((server, counting)) = metrics {
            counting.abort();
            server.stop(true).await;
        }
        if let Some(webhooks) = self.webhooks {
            webhooks.stop().await;
        }
        self.store.close().await;
        result
    }
}

/// Installs the metrics recorder, binds `METRICS_ADDR` for `GET /metrics`,
/// and starts counting the review queues every few seconds.
fn serve_metrics(addr: &str, desk: Desk) -> anyhow::Result<(Server, tokio::task::JoinHandle<()>)> {
    let handle = metrics::install().context("cannot start the metrics recorder")?;
    let listener =
        TcpListener::bind(addr).with_context(|| format!("cannot listen on METRICS_ADDR {addr}"))?;
    let local = listener.local_addr()?;
    let upkeep = handle.clone();
    let server = HttpServer::new(move || {
        App::new().configure(crate::http::routes::metrics::configure(handle.clone()))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run();
    let counting = tokio::spawn(async move {
        loop {
            desk.record_queue_depths().await;
            upkeep.run_upkeep();
            tokio::time::sleep(QUEUE_COUNT_EVERY).await;
        }
    });
    tracing::info!("metrics on http://{local}/metrics");
    Ok((server, counting))
}

/// Ends the live event streams when SIGINT or SIGTERM arrives: they never
/// finish on their own, and the server waits for open answers before it stops.
fn close_streams_on_stop(events: Arc<EventHub>) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    tokio::spawn(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        events.close();
    });
    Ok(())
}
