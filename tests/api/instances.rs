//! Two server processes on one PostgreSQL database, as behind a load balancer: one first
//! admin, unique constraints across both, no acknowledged write lost, revocation seen at once.

use futures::future::join_all;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, FreshDatabase, backends, free_port, start_server, stop, wait_until_ready,
};

struct Instance {
    base_url: String,
}

async fn post(http: &reqwest::Client, url: String, key: &str, body: &Value) -> (u16, Value) {
    let response = http
        .post(url)
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn two_instances_share_one_database() {
    if !backends().contains(&Backend::Postgres) {
        eprintln!("skipped: set PEOPLECLOUD_TEST_POSTGRES_URL to run the two-instance test");
        return;
    }
    let database = FreshDatabase::create(Backend::Postgres).await;

    // Both start at once on an empty database: exactly one creates the first admin.
    let (first_port, second_port) = (free_port(), free_port());
    let first = start_server(&database.url, first_port);
    let second = start_server(&database.url, second_port);
    wait_until_ready(first_port).await;
    wait_until_ready(second_port).await;
    let instances = [
        Instance {
            base_url: format!("http://127.0.0.1:{first_port}"),
        },
        Instance {
            base_url: format!("http://127.0.0.1:{second_port}"),
        },
    ];
    let http = reqwest::Client::new();

    // The key is read after the servers stop, so use the CLI's key for the admin meanwhile.
    let key_output = std::process::Command::new(crate::helpers::BINARY)
        .args([
            "key",
            "create",
            "--email",
            "admin@localhost",
            "--database-url",
            &database.url,
        ])
        .output()
        .unwrap();
    assert!(key_output.status.success());
    let key = String::from_utf8(key_output.stdout)
        .unwrap()
        .trim()
        .to_owned();

    // Concurrent writes through both: distinct users, and one e-mail raced from both sides.
    let creates = (0..60).map(|i| {
        let instance = &instances[i % 2];
        let email = if i < 20 {
            "raced@example.com".to_owned()
        } else {
            format!("user{i}@example.com")
        };
        let body = json!({
            "name": format!("User {i}"), "email": email,
            "password": "password123", "confirm_password": "password123",
            "company_name": if i % 3 == 0 { "Shared Oy" } else { " shared  OY " },
        });
        let (http, key) = (&http, &key);
        async move {
            (
                email,
                post(
                    http,
                    format!("{}/api/v1/user/new", instance.base_url),
                    key,
                    &body,
                )
                .await,
            )
        }
    });
    let replies = join_all(creates).await;
    assert!(
        replies.iter().all(|(_, (status, _))| *status < 500),
        "a 5xx: {replies:?}"
    );
    let raced_created = replies
        .iter()
        .filter(|(email, (status, _))| email == "raced@example.com" && *status == 201)
        .count();
    assert_eq!(raced_created, 1);

    // Every acknowledged user exists, seen from the instance that did not create it.
    for (index, (email, (status, _))) in replies.iter().enumerate() {
        if *status != 201 {
            continue;
        }
        let other = &instances[(index + 1) % 2];
        let body = json!({"name": "Again", "email": email.to_uppercase(), "password": "password123", "confirm_password": "password123"});
        let (status, reply) = post(
            &http,
            format!("{}/api/v1/user/new", other.base_url),
            &key,
            &body,
        )
        .await;
        assert_eq!(status, 422, "{email} missing: {reply}");
    }

    // A key revoked through one instance gets 401 on the other at once.
    let (status, created) = post(
        &http,
        format!("{}/api/v1/api-keys/new", instances[0].base_url),
        &key,
        &json!({"name": "short-lived"}),
    )
    .await;
    assert_eq!(status, 201);
    let short_lived = created["token"].as_str().unwrap().to_owned();
    let profile_on_second = format!("{}/api/v1/user", instances[1].base_url);
    let response = http
        .get(&profile_on_second)
        .bearer_auth(&short_lived)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let key_id = created["key"]["id"].as_i64().unwrap();
    let (status, _) = post(
        &http,
        format!("{}/api/v1/api-keys/{key_id}/revoke", instances[0].base_url),
        &key,
        &json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let response = http
        .get(&profile_on_second)
        .bearer_auth(&short_lived)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    let (first_exit, first_stdout, _) = stop(first);
    let (second_exit, second_stdout, _) = stop(second);
    assert!(first_exit.success());
    assert!(second_exit.success());
    let printed_keys = [first_stdout, second_stdout]
        .iter()
        .filter(|stdout| stdout.starts_with("PEOPLECLOUD_ADMIN_KEY="))
        .count();
    assert_eq!(
        printed_keys, 1,
        "exactly one instance creates the first admin"
    );

    database.remove().await;
}
