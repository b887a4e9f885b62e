//! The test harness: a server on 127.0.0.1 with a fresh database on each configured backend,
//! and a small HTTP client.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use peoplecloud::http::HttpLimits;
use peoplecloud::server::{Server, ServerConfig};
use peoplecloud::store::StoreOptions;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use sqlx::Connection;

/// A running server with its own database.
pub struct TestApp {
    pub base_url: String,
    /// Key of `admin@localhost`, created on first start.
    pub admin_key: String,
    pub http: reqwest::Client,
    server: Option<Server>,
    database: Option<FreshDatabase>,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

/// Reads a request body from `tests/fixtures`.
pub fn fixture(name: &str) -> Value {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "fixtures", name]
        .iter()
        .collect();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// A database engine the suite runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Variable naming a PostgreSQL server for the suite; each test gets a database of its own on it.
pub const POSTGRES_URL_VARIABLE: &str = "PEOPLECLOUD_TEST_POSTGRES_URL";

/// Returns the backends to run on: SQLite always, PostgreSQL when its variable is set.
pub fn backends() -> Vec<Backend> {
    let mut backends = vec![Backend::Sqlite];
    if std::env::var(POSTGRES_URL_VARIABLE).is_ok_and(|url| !url.is_empty()) {
        backends.push(Backend::Postgres);
    }
    backends
}

/// A fresh, empty database, removed again by [`FreshDatabase::remove`].
pub struct FreshDatabase {
    pub url: String,
    postgres: Option<(String, String)>,
    _directory: tempfile::TempDir,
}

impl FreshDatabase {
    pub async fn create(backend: Backend) -> Self {
        let directory = tempfile::tempdir().expect("temporary directory");
        match backend {
            Backend::Sqlite => Self {
                url: format!("sqlite://{}", directory.path().join("test.db").display()),
                postgres: None,
                _directory: directory,
            },
            Backend::Postgres => {
                let server_url = std::env::var(POSTGRES_URL_VARIABLE).expect("PostgreSQL URL");
                let name = format!("pctest_{}", uuid::Uuid::new_v4().simple());
                let mut admin = sqlx::PgConnection::connect(&server_url)
                    .await
                    .unwrap_or_else(|error| panic!("{POSTGRES_URL_VARIABLE} unreachable: {error}"));
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .await
                    .expect("create test database");
                let base = server_url
                    .rsplit_once('/')
                    .map_or(server_url.as_str(), |(base, _)| base);
                Self {
                    url: format!("{base}/{name}"),
                    postgres: Some((server_url.clone(), name)),
                    _directory: directory,
                }
            }
        }
    }

    /// Drops a PostgreSQL test database; SQLite files go with their temporary directory.
    pub async fn remove(self) {
        if let Some((server_url, name)) = &self.postgres
            && let Ok(mut admin) = sqlx::PgConnection::connect(server_url).await
        {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin)
                .await;
        }
    }
}

/// Runs `test` once on each configured backend, each time against a new server and database.
pub async fn each_backend(test: impl AsyncFn(&TestApp)) {
    each_backend_with(HttpLimits::default(), test).await;
}

/// Like [`each_backend`], with other request limits.
pub async fn each_backend_with(limits: HttpLimits, test: impl AsyncFn(&TestApp)) {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let app = TestApp::start(FreshDatabase::create(backend).await, limits.clone()).await;
        test(&app).await;
        app.finish().await;
    }
}

impl TestApp {
    /// Starts a server on `database`.
    pub async fn start(database: FreshDatabase, limits: HttpLimits) -> Self {
        let config = ServerConfig {
            bind: "127.0.0.1:0".to_owned(),
            database_url: database.url.clone(),
            store: StoreOptions::default(),
            limits,
            public_url: None,
        };
        let server = Server::start(config).await.expect("server starts");
        let admin_key = server
            .admin_key
            .clone()
            .expect("first start creates the admin key");
        Self::around(server, admin_key, database)
    }

    /// Starts a server on a database that already contains data, with a key from that data.
    pub async fn start_existing(database: FreshDatabase, admin_key: &str) -> Self {
        let config = ServerConfig {
            bind: "127.0.0.1:0".to_owned(),
            database_url: database.url.clone(),
            store: StoreOptions::default(),
            limits: HttpLimits::default(),
            public_url: None,
        };
        let server = Server::start(config).await.expect("server starts");
        assert!(
            server.admin_key.is_none(),
            "a database with data got a new admin"
        );
        Self::around(server, admin_key.to_owned(), database)
    }

    fn around(server: Server, admin_key: String, database: FreshDatabase) -> Self {
        Self {
            base_url: format!("http://{}", server.address),
            admin_key,
            http: reqwest::Client::new(),
            server: Some(server),
            database: Some(database),
        }
    }

    /// Stops the server and hands back its database, still in place.
    pub async fn stop(mut self) -> FreshDatabase {
        if let Some(server) = self.server.take() {
            let stopped =
                tokio::time::timeout(std::time::Duration::from_secs(10), server.shutdown()).await;
            assert!(stopped.is_ok(), "server did not stop within 10 s");
        }
        self.database.take().expect("database")
    }

    /// Stops the server and removes its database.
    pub async fn finish(mut self) {
        if let Some(server) = self.server.take() {
            let stopped =
                tokio::time::timeout(std::time::Duration::from_secs(10), server.shutdown()).await;
            assert!(stopped.is_ok(), "server did not stop within 10 s");
        }
        if let Some(database) = self.database.take() {
            database.remove().await;
        }
    }

    /// Returns the server's store, for setting up states the API can't reach (an expired key).
    pub fn store(&self) -> &dyn peoplecloud::store::Store {
        self.server.as_ref().expect("server running").store.as_ref()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    async fn read(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("response body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                panic!(
                    "status {status}: body is not JSON: {}",
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    /// Sends a GET with the key as `Bearer <key>`.
    pub async fn get(&self, path: &str, key: &str) -> Reply {
        let response = self
            .http
            .get(self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .expect("request sent");
        Self::read(response).await
    }

    /// Sends a POST with a JSON body and the key as `Bearer <key>`.
    pub async fn post(&self, path: &str, key: &str, body: &Value) -> Reply {
        let response = self
            .http
            .post(self.url(path))
            .bearer_auth(key)
            .json(body)
            .send()
            .await
            .expect("request sent");
        Self::read(response).await
    }

    /// Sends any prepared request.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        Self::read(request.send().await.expect("request sent")).await
    }

    /// Creates a user through the API as the admin and returns its id.
    pub async fn create_user(&self, email: &str, user_type: &str, company: Option<&str>) -> i64 {
        let mut body = json!({
            "name": format!("User {email}"),
            "email": email,
            "type": user_type,
            "password": "password123",
            "confirm_password": "password123",
        });
        if let Some(company) = company {
            body["company_name"] = json!(company);
        }
        let reply = self.post("/api/v1/user/new", &self.admin_key, &body).await;
        assert_eq!(reply.status, 201, "create {email}: {:?}", reply.body);
        reply.body["id"].as_i64().expect("user id")
    }

    /// Marks a user verified as the admin.
    pub async fn verify_user(&self, id: i64) {
        let reply = self
            .post(
                &format!("/api/v1/user/{id}/edit"),
                &self.admin_key,
                &json!({"is_verified": true}),
            )
            .await;
        assert_eq!(reply.status, 200, "verify {id}: {:?}", reply.body);
    }

    /// Creates a key for user `id` as the admin and returns it.
    pub async fn key_for(&self, id: i64) -> String {
        let reply = self
            .post(
                "/api/v1/api-keys/new",
                &self.admin_key,
                &json!({"name": "test", "user_id": id}),
            )
            .await;
        assert_eq!(reply.status, 201, "key for {id}: {:?}", reply.body);
        reply.body["token"].as_str().expect("token").to_owned()
    }

    /// Creates a user and a key for it; returns both.
    pub async fn user_with_key(
        &self,
        email: &str,
        user_type: &str,
        company: Option<&str>,
    ) -> (i64, String) {
        let id = self.create_user(email, user_type, company).await;
        (id, self.key_for(id).await)
    }

    /// Reads a user's profile through its own key.
    pub async fn profile(&self, key: &str) -> Value {
        let reply = self.get("/api/v1/user", key).await;
        assert_eq!(reply.status, 200, "profile: {:?}", reply.body);
        reply.body
    }
}

// Helpers for tests that run the `peoplecloud` binary as a separate process.

pub const BINARY: &str = env!("CARGO_BIN_EXE_peoplecloud");

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn start_server(database_url: &str, port: u16) -> Child {
    Command::new(BINARY)
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            database_url,
        ])
        .env_remove("PEOPLECLOUD_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("server binary starts")
}

pub async fn wait_until_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let url = format!("http://127.0.0.1:{port}/healthz");
    while Instant::now() < deadline {
        if let Ok(response) = reqwest::get(&url).await
            && response.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server on port {port} did not become ready");
}

/// Sends SIGTERM and returns the exit status with everything the process printed.
pub fn stop(mut child: Child) -> (std::process::ExitStatus, String, String) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (exit, stdout, stderr)
}
