//! `peoplecloud copy`: a database built through the API on SQLite, copied to PostgreSQL and
//! back, returns every list and read exactly as before.

use serde_json::{Value, json};

use crate::helpers::{BINARY, Backend, FreshDatabase, TestApp, backends, fixture};

/// What the test reads back after each copy, with the keys it reads with.
struct Readers {
    admin_key: String,
    client_key: String,
    inquiry_ids: Vec<i64>,
    contract_ids: Vec<(i64, String)>,
}

/// Fills a database through the API: users, keys, inquiries with positions in several stages,
/// and contracts.
async fn build(app: &TestApp) -> Readers {
    let (_, client_key) = app
        .user_with_key("client@acme.test", "client", Some("Acme"))
        .await;
    app.create_user("colleague@acme.test", "client", Some("Acme"))
        .await;

    let mut inquiry_ids = Vec::new();
    for _ in 0..3 {
        let created = app
            .post(
                "/api/public/inquiry/new",
                &client_key,
                &fixture("create-inquiry.json"),
            )
            .await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        let id = created.body["inquiry_id"].as_i64().unwrap();
        let added = app
            .post(
                &format!("/api/public/inquiry/{id}/position/new"),
                &client_key,
                &fixture("add-position.json"),
            )
            .await;
        assert_eq!(added.status, 201, "{:?}", added.body);
        inquiry_ids.push(id);
    }
    let submitted = app
        .post(
            &format!("/api/public/inquiry/{}/submit", inquiry_ids[1]),
            &client_key,
            &json!({}),
        )
        .await;
    assert_eq!(submitted.status, 200);
    let cancelled = app
        .post(
            &format!("/api/public/inquiry/{}/cancel", inquiry_ids[2]),
            &client_key,
            &json!({}),
        )
        .await;
    assert_eq!(cancelled.status, 200);

    let admin_id = app.profile(&app.admin_key).await["id"].clone();
    let mut contract_ids = Vec::new();
    for number in 0..3 {
        let mut body = fixture("create-contract.json");
        body["seller_id"] = admin_id.clone();
        body["the_contract_id"] = json!(format!("CNTR-COPY-{number}"));
        let created = app
            .post("/api/v1/contracts/new", &app.admin_key, &body)
            .await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        contract_ids.push((
            created.body["id"].as_i64().unwrap(),
            created.body["the_contract_id"].as_str().unwrap().to_owned(),
        ));
    }
    let edited = app
        .post(
            &format!("/api/v1/contracts/id/{}/edit", contract_ids[0].0),
            &app.admin_key,
            &fixture("edit-contract.json"),
        )
        .await;
    assert_eq!(edited.status, 200);
    let cancelled = app
        .post(
            &format!("/api/v1/contracts/id/{}/cancel", contract_ids[1].0),
            &app.admin_key,
            &json!({}),
        )
        .await;
    assert_eq!(cancelled.status, 200);

    Readers {
        admin_key: app.admin_key.clone(),
        client_key,
        inquiry_ids,
        contract_ids,
    }
}

/// Reads every list and single resource, as (path, body) pairs, with the server's own address
/// taken out.
async fn read_everything(app: &TestApp, readers: &Readers) -> Vec<(String, Value)> {
    let mut paths = vec![
        ("/api/v1/user".to_owned(), &readers.admin_key),
        ("/api/v1/user".to_owned(), &readers.client_key),
        ("/api/public/inquiries".to_owned(), &readers.client_key),
        (
            "/api/public/inquiries?per_page=2&page=2".to_owned(),
            &readers.client_key,
        ),
        ("/api/public/inquiries".to_owned(), &readers.admin_key),
        ("/api/v1/contracts".to_owned(), &readers.admin_key),
        (
            "/api/v1/contracts?status=terminated".to_owned(),
            &readers.admin_key,
        ),
    ];
    for id in &readers.inquiry_ids {
        paths.push((format!("/api/public/inquiry/{id}"), &readers.client_key));
        paths.push((
            format!("/api/public/inquiry/{id}/positions"),
            &readers.client_key,
        ));
        paths.push((
            format!("/api/public/inquiry/{id}/positions?page=1"),
            &readers.client_key,
        ));
    }
    for (id, public_id) in &readers.contract_ids {
        paths.push((format!("/api/v1/contracts/id/{id}"), &readers.admin_key));
        paths.push((format!("/api/v1/contracts/{public_id}"), &readers.admin_key));
    }

    let mut answers = Vec::new();
    for (path, key) in paths {
        let reply = app.get(&path, key).await;
        assert_eq!(reply.status, 200, "{path}: {:?}", reply.body);
        let text = reply.body.to_string().replace(&app.base_url, "BASE");
        answers.push((path, serde_json::from_str(&text).unwrap()));
    }
    answers
}

fn copy(from: &str, to: &str) {
    let output = std::process::Command::new(BINARY)
        .args(["copy", "--from", from, "--to", to])
        .env_remove("PEOPLECLOUD_DATABASE_URL")
        .output()
        .expect("binary runs");
    assert!(
        output.status.success(),
        "copy failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn copy_to_postgres_and_back_keeps_every_answer() {
    if !backends().contains(&Backend::Postgres) {
        eprintln!("skipped: set PEOPLECLOUD_TEST_POSTGRES_URL to run the copy test");
        return;
    }
    let source = TestApp::start(
        FreshDatabase::create(Backend::Sqlite).await,
        Default::default(),
    )
    .await;
    let readers = build(&source).await;
    let before = read_everything(&source, &readers).await;
    let sqlite = source.stop().await;

    let postgres = FreshDatabase::create(Backend::Postgres).await;
    copy(&sqlite.url, &postgres.url);
    let on_postgres = TestApp::start_existing(postgres, &readers.admin_key).await;
    let after = read_everything(&on_postgres, &readers).await;
    for ((path, expected), (_, actual)) in before.iter().zip(&after) {
        assert_eq!(actual, expected, "{path} differs on PostgreSQL");
    }

    // New rows after the copy get fresh ids, not ones the copy brought.
    let created = on_postgres
        .post(
            "/api/public/inquiry/new",
            &readers.client_key,
            &fixture("create-inquiry.json"),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert!(
        created.body["inquiry_id"].as_i64().unwrap() > *readers.inquiry_ids.iter().max().unwrap()
    );
    let postgres = on_postgres.stop().await;

    // A target with data is refused.
    let refused = std::process::Command::new(BINARY)
        .args(["copy", "--from", &sqlite.url, "--to", &postgres.url])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("already contains data"));

    // And back to a new SQLite file.
    let back = FreshDatabase::create(Backend::Sqlite).await;
    copy(&postgres.url, &back.url);
    let on_sqlite = TestApp::start_existing(back, &readers.admin_key).await;
    let again = read_everything(&on_sqlite, &readers).await;
    for ((path, expected), (_, actual)) in before.iter().zip(&again) {
        if path.starts_with("/api/public/inquiries") {
            // The inquiry created on PostgreSQL is in the lists now; every read still matches.
            continue;
        }
        assert_eq!(actual, expected, "{path} differs after copying back");
    }
    on_sqlite.finish().await;
    postgres.remove().await;
}
