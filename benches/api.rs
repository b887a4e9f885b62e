//! Load benchmark: starts the real server on 127.0.0.1 and measures throughput and latency of
//! the main request kinds under concurrent clients. Prints one line per scenario.
//!
//! `cargo bench --bench api` runs it on SQLite; with `PEOPLECLOUD_BENCH_POSTGRES_URL` set (a
//! database this benchmark may fill) it runs on PostgreSQL too. `BENCH_SECONDS` (default 5) and
//! `BENCH_CLIENTS` (default 32) set each scenario's duration and concurrency.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use peoplecloud::http::HttpLimits;
use peoplecloud::server::{Server, ServerConfig};
use peoplecloud::store::StoreOptions;
use serde_json::{Value, json};

struct Target {
    base_url: String,
    http: reqwest::Client,
    admin_key: String,
    client_key: String,
    inquiry_id: i64,
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("fixture is JSON")
}

async fn post(target: &Target, path: &str, key: &str, body: &Value) -> Value {
    let response = target
        .http
        .post(format!("{}{path}", target.base_url))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .expect("request sent");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.expect("JSON response")
}

/// Creates a client with a key and 200 inquiries of two positions each.
async fn prepare(base_url: String, admin_key: String) -> Target {
    let http = reqwest::Client::new();
    let mut target = Target {
        base_url,
        http,
        admin_key,
        client_key: String::new(),
        inquiry_id: 0,
    };
    let user = json!({
        "name": "Bench Client", "email": "bench@example.com", "company_name": "Bench Oy",
        "password": "password123", "confirm_password": "password123",
    });
    let admin_key = target.admin_key.clone();
    let created = post(&target, "/api/v1/user/new", &admin_key, &user).await;
    let key = post(
        &target,
        "/api/v1/api-keys/new",
        &admin_key,
        &json!({"user_id": created["id"]}),
    )
    .await;
    target.client_key = key["token"].as_str().expect("token").to_owned();

    let client_key = target.client_key.clone();
    for _ in 0..200 {
        let inquiry = post(
            &target,
            "/api/public/inquiry/new",
            &client_key,
            &fixture("create-inquiry.json"),
        )
        .await;
        target.inquiry_id = inquiry["inquiry_id"].as_i64().expect("inquiry id");
        let path = format!("/api/public/inquiry/{}/position/new", target.inquiry_id);
        post(&target, &path, &client_key, &fixture("add-position.json")).await;
    }
    target
}

#[derive(Clone, Copy)]
enum Scenario {
    Profile,
    InquiryList,
    InquiryRead,
    InquiryCreate,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Profile => "GET /api/v1/user",
            Scenario::InquiryList => "GET /api/public/inquiries?per_page=10",
            Scenario::InquiryRead => "GET /api/public/inquiry/{id}",
            Scenario::InquiryCreate => "POST /api/public/inquiry/new",
        }
    }
}

async fn send(target: &Target, scenario: Scenario, body: &Value) -> bool {
    let request = match scenario {
        Scenario::Profile => target.http.get(format!("{}/api/v1/user", target.base_url)),
        Scenario::InquiryList => target.http.get(format!(
            "{}/api/public/inquiries?per_page=10",
            target.base_url
        )),
        Scenario::InquiryRead => target.http.get(format!(
            "{}/api/public/inquiry/{}",
            target.base_url, target.inquiry_id
        )),
        Scenario::InquiryCreate => target
            .http
            .post(format!("{}/api/public/inquiry/new", target.base_url))
            .json(body),
    };
    match request.bearer_auth(&target.client_key).send().await {
        Ok(response) => {
            let ok = response.status().is_success();
            response.bytes().await.is_ok() && ok
        }
        Err(_) => false,
    }
}

/// Runs one scenario with `clients` concurrent loops for `duration` and prints its figures.
async fn measure(target: Arc<Target>, scenario: Scenario, clients: usize, duration: Duration) {
    let failures = Arc::new(AtomicUsize::new(0));
    let body = fixture("create-inquiry.json");
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (target, failures, body) = (target.clone(), failures.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while started.elapsed() < duration {
                let sent = Instant::now();
                if !send(&target, scenario, &body).await {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("client task"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let percentile = |p: f64| {
        let index = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies
            .get(index)
            .map_or(0.0, |latency| latency.as_secs_f64() * 1000.0)
    };
    println!(
        "{:<40} {:>8.0} req/s   p50 {:>6.2} ms   p99 {:>6.2} ms   {} requests, {} failed",
        scenario.name(),
        latencies.len() as f64 / elapsed,
        percentile(0.50),
        percentile(0.99),
        latencies.len(),
        failures.load(Ordering::Relaxed),
    );
}

async fn run(label: &str, database_url: String) {
    let config = ServerConfig {
        bind: "127.0.0.1:0".to_owned(),
        database_url,
        store: StoreOptions::default(),
        limits: HttpLimits::default(),
        public_url: None,
    };
    let server = Server::start(config).await.expect("server starts");
    let admin_key = server
        .admin_key
        .clone()
        .expect("an empty database for the benchmark");
    let target = Arc::new(prepare(format!("http://{}", server.address), admin_key).await);

    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(5);
    let clients: usize = std::env::var("BENCH_CLIENTS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(32);
    println!("\n{label}: {clients} concurrent clients, {seconds} s per scenario");
    for scenario in [
        Scenario::Profile,
        Scenario::InquiryList,
        Scenario::InquiryRead,
        Scenario::InquiryCreate,
    ] {
        measure(
            target.clone(),
            scenario,
            clients,
            Duration::from_secs(seconds),
        )
        .await;
    }
    server.shutdown().await.expect("server stops");
}

fn main() {
    // `cargo bench` passes `--bench`; this benchmark takes no arguments.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let directory = tempfile::tempdir().expect("temporary directory");
        let sqlite = format!("sqlite://{}", directory.path().join("bench.db").display());
        run("SQLite (synchronous=FULL)", sqlite).await;
        if let Ok(url) = std::env::var("PEOPLECLOUD_BENCH_POSTGRES_URL") {
            run("PostgreSQL", url).await;
        }
    });
}
