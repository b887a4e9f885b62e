//! Starting and stopping the server: open the store, create the first admin on an empty
//! database, bind, serve until a stop signal arrives, and finish the requests in flight.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::domain::auth::{AttemptLimiter, issue_key};
use crate::domain::time::now;
use crate::domain::user::{UserType, email_key};
use crate::http::{self, AppState, HttpLimits};
use crate::store::{self, CompanyChoice, NewUserRow, Store, StoreOptions};

/// E-mail of the admin created on first start.
pub const BOOTSTRAP_ADMIN_EMAIL: &str = "admin@localhost";

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on; port 0 picks a free port.
    pub bind: String,
    pub database_url: String,
    pub store: StoreOptions,
    pub limits: HttpLimits,
    pub public_url: Option<String>,
}

/// A running server.
pub struct Server {
    /// The address it listens on.
    pub address: SocketAddr,
    /// The first admin's key, when this start created it.
    pub admin_key: Option<String>,
    pub store: Arc<dyn Store>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

/// Creates `admin@localhost` with one key when the database has never been set up, and returns
/// that key. Of several instances starting together on one database, exactly one does this.
pub async fn bootstrap_admin(store: &dyn Store) -> anyhow::Result<Option<String>> {
    let admin = NewUserRow {
        name: "Administrator".to_owned(),
        email: BOOTSTRAP_ADMIN_EMAIL.to_owned(),
        email_key: email_key(BOOTSTRAP_ADMIN_EMAIL),
        password_hash: None,
        user_type: UserType::Admin,
        phone: None,
        company: CompanyChoice::None,
        is_verified: true,
        created_at: now(),
    };
    // The user id is not known yet; the store fills it in.
    let issued = issue_key(0, "bootstrap", None);
    let created = store
        .bootstrap_admin(&admin, &issued.row)
        .await
        .context("failed to create the first admin")?;
    Ok(created.then_some(issued.key))
}

impl Server {
    /// Opens the database, applies migrations, creates the first admin when needed, and starts
    /// serving in the background.
    pub async fn start(config: ServerConfig) -> anyhow::Result<Self> {
        let store = store::connect(&config.database_url, &config.store).await?;
        let admin_key = bootstrap_admin(store.as_ref()).await?;

        let listener = TcpListener::bind(&config.bind)
            .await
            .with_context(|| format!("failed to listen on {}", config.bind))?;
        let address = listener.local_addr()?;

        let state = AppState {
            store: store.clone(),
            limiter: Arc::new(AttemptLimiter::default()),
            metrics: Arc::default(),
            public_url: config.public_url.clone(),
        };
        let app = http::app(state, &config.limits);
        let (shutdown, stop) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                stop.await.ok();
            })
            .await
        });

        tracing::info!(address = %address, database = %store::redact_url(&config.database_url), "server listening");
        Ok(Self {
            address,
            admin_key,
            store,
            shutdown: Some(shutdown),
            task,
        })
    }

    /// Stops accepting connections, waits for the requests in flight, and returns.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            shutdown.send(()).ok();
        }
        self.task
            .await
            .context("server task failed")?
            .context("server failed")?;
        tracing::info!("server stopped");
        Ok(())
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn stop_signal() {
    let interrupt = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(error = %error, "failed to listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = interrupt => tracing::info!(signal = "SIGINT", "stopping"),
        () = terminate => tracing::info!(signal = "SIGTERM", "stopping"),
    }
}
