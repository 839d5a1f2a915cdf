//! Build the HTTP application (routes, middleware), bind, run.

use std::future::Future;
use std::net::TcpListener;
use std::pin::Pin;
use std::sync::Arc;

use std::time::Duration;

use actix_http::error::DispatchError;
use actix_http::{HttpService, KeepAlive};
use actix_service::{fn_service, map_config, IntoServiceFactory, ServiceFactoryExt};
use actix_web::dev::{AppConfig, Server, ServerHandle, Service};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{web, App, HttpMessage};
use tokio::net::TcpStream;
use tracing_actix_web::{RequestId, TracingLogger};

use crate::config::Settings;
use crate::db::{self, DbPool};
use crate::edge::wire::EdgeStream;
use crate::error::ApiError;
use crate::public_register::PublicRegisters;
use crate::routes;
pub use crate::state::AppState;

/// A response on its way.
type LocalBoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// A bound, ready-to-run server.
pub struct Application {
    port: u16,
    server: Server,
    pool: DbPool,
}

impl Application {
    /// Migrate the database, bind to `settings.bind` (port 0 picks a free
    /// port) and prepare the server. Fails when the database cannot be
    /// reached or migrated, or the address cannot be bound.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let pool = db::pool(&settings.database);
        let database = settings.database.clone();
        // On a connection of its own, without the requests' statement
        // timeout: a migration may take longer.
        let applied =
            tokio::task::spawn_blocking(move || crate::admin::migrate(&database)).await??;
        if !applied.is_empty() {
            tracing::info!(migrations = ?applied, "database migrated");
        }
        if let Some(dir) = settings.backup.backup_dir.clone() {
            if !matches!(
                db::DatabaseLocation::from_url(&settings.database.database_url),
                db::DatabaseLocation::Sqlite(_)
            ) {
                anyhow::bail!(
                    "BACKUP_DIR: {}",
                    db::backup::BackupError::Postgres(db::backup::Direction::Backup)
                );
            }
            scheduled_backups(settings.database.clone(), dir, &settings.backup);
        }
        let worker = settings.webhooks.outbox_worker.then(|| {
            (
                settings.webhooks.clone(),
                settings.mail.clone(),
                settings.credentials.public_url.clone(),
            )
        });
        let application = Self::build_with_pool(settings, pool.clone())?;
        if let Some((webhooks, mail, public_url)) = worker {
            // The links in e-mail go where the service is reached.
            let base_url =
                public_url.unwrap_or_else(|| format!("http://localhost:{}", application.port));
            crate::webhooks::worker::Worker::new(pool, webhooks, &mail, &base_url)?.spawn();
        }
        Ok(application)
    }

    /// Bind and prepare the server on an existing pool (no migration).
    pub fn build_with_pool(settings: Settings, pool: DbPool) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let workers = settings.workers;
        let public_register = Arc::new(PublicRegisters::new(settings.public_register_refresh()));
        let issuer = Arc::new(issuer(&settings, listener.local_addr()?)?);
        let state = web::Data::new(AppState {
            issuer,
            pool: pool.clone(),
            settings,
            public_register: Arc::clone(&public_register),
            bulk_jobs: Arc::default(),
            ledgers: Arc::default(),
            people_orders: Arc::default(),
            audit_counts: Arc::default(),
            due_counts: Arc::default(),
        });
        let app = move || {
            let public_register = Arc::clone(&public_register);
            // JSON bodies, query strings and forms are read by the
            // extractors of `crate::edge`, with their own limits and errors.
            App::new()
                .app_data(state.clone())
                .app_data(
                    web::PathConfig::default().error_handler(|err, _| {
                        ApiError::bad_request("path", err.to_string()).into()
                    }),
                )
                .configure(routes::configure)
                .configure(crate::web::configure)
                // A page for a browser, problem+json for the API.
                .default_service(web::to(crate::web::not_found))
                .wrap_fn(|req, srv| {
                    // What the edge refuses is answered before routing.
                    let answer: LocalBoxFuture<_> = match crate::edge::guard::refusal(&req) {
                        Some(refused) => {
                            Box::pin(std::future::ready(Ok(req.into_response(refused))))
                        }
                        None => {
                            let response = srv.call(req);
                            Box::pin(async move { response.await.map(|r| r.map_into_boxed_body()) })
                        }
                    };
                    answer
                })
                .wrap(actix_web::middleware::from_fn(crate::conventions::keep))
                .wrap_fn(move |req, srv| {
                    // Any request but a read may have written to the
                    // register: once it is answered, the public
                    // register's next reader asks the database.
                    let writes = (!req.method().is_safe()).then(|| Arc::clone(&public_register));
                    let response = srv.call(req);
                    async move {
                        let response = response.await;
                        if let Some(registers) = writes {
                            registers.note_write();
                        }
                        let mut response = response?;
                        let id = response.request().extensions().get::<RequestId>().copied();
                        if let Some(value) =
                            id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok())
                        {
                            response
                                .headers_mut()
                                .insert(HeaderName::from_static("x-request-id"), value);
                        }
                        Ok(response)
                    }
                })
                .wrap(TracingLogger::<crate::telemetry::RequestSpan>::new())
        };
        // Served as actix-web's `HttpServer` serves it, HTTP/1.1 with its
        // timeouts, but every connection read through an `EdgeStream`, so
        // that a request head the HTTP layer cannot read is answered with
        // problem+json instead of an empty body (see `crate::edge::wire`).
        let local = listener.local_addr()?;
        let mut builder = actix_server::Server::build();
        if workers > 0 {
            builder = builder.workers(workers);
        }
        let shutdown = builder.graceful_shutdown_signal();
        let server = builder
            .listen("balint-accredit", listener, move || {
                let shutdown = shutdown.clone();
                let http = HttpService::build()
                    .graceful_shutdown_signal(move || {
                        let shutdown = shutdown.clone();
                        async move { shutdown.notified().await }
                    })
                    .keep_alive(KeepAlive::default())
                    .client_request_timeout(Duration::from_secs(5))
                    .client_disconnect_timeout(Duration::from_secs(1))
                    .h1_allow_half_closed(true)
                    .local_addr(local)
                    .h1(map_config(
                        app()
                            .into_factory()
                            .map_err(|e: actix_web::Error| e.error_response()),
                        |_| AppConfig::default(),
                    ));
                fn_service(|io: TcpStream| async move {
                    let _ = io.set_nodelay(true);
                    let peer = io.peer_addr().ok();
                    Ok::<_, DispatchError>((EdgeStream::new(io), peer))
                })
                .and_then(http)
            })?
            .run();
        Ok(Self { port, server, pool })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's database pool.
    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// A handle to stop the server.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serve until stopped (a signal, or [`ServerHandle::stop`]).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// The societies' issuer: at `PUBLIC_URL`, or at the address the server
/// listens on; with the credential key of the settings.
fn issuer(settings: &Settings, local: std::net::SocketAddr) -> anyhow::Result<crate::vc::Issuer> {
    let credentials = &settings.credentials;
    let key = credentials.load_key(&settings.database.database_url)?;
    let base_url = match &credentials.public_url {
        Some(url) => url.clone(),
        // did:web names a host, never an IP address.
        None => format!("http://localhost:{}", local.port()),
    };
    Ok(crate::vc::Issuer::new(
        &base_url,
        credentials.issuer_society.clone(),
        key,
        chrono::Duration::minutes(i64::from(credentials.status_list_minutes.max(1))),
    )?)
}

/// Back up the SQLite database into `dir` now and every
/// `BACKUP_EVERY_HOURS`, keeping the newest `BACKUP_KEEP` scheduled
/// backups, each on a connection of its own; a failure is logged and the
/// next one tried at its time.
fn scheduled_backups(
    database: crate::config::DatabaseSettings,
    dir: std::path::PathBuf,
    backup: &crate::config::BackupSettings,
) {
    let every = backup.every();
    let keep = usize::try_from(backup.backup_keep).unwrap_or(usize::MAX);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let (database, dir) = (database.clone(), dir.clone());
            let done = tokio::task::spawn_blocking(move || {
                let mut conn = db::connect_for_job(&database)?;
                db::backup::scheduled(&mut conn, &dir, keep, chrono::Utc::now())
            })
            .await;
            match done {
                Ok(Ok((file, deleted))) => tracing::info!(
                    file = %file.display(),
                    deleted = ?deleted,
                    "scheduled backup written"
                ),
                Ok(Err(e)) => tracing::error!(error = %format!("{e:#}"), "scheduled backup failed"),
                Err(e) => tracing::error!(error = %e, "scheduled backup failed"),
            }
        }
    });
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}
