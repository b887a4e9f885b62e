//! The `peoplecloud` binary: first start, graceful stop, and the user and key commands.

use std::process::Command;

use crate::helpers::{
    BINARY, FreshDatabase, backends, free_port, start_server, stop, wait_until_ready,
};

fn run(args: &[&str], database_url: &str) -> std::process::Output {
    let output = Command::new(BINARY)
        .args(args)
        .args(["--database-url", database_url])
        .env_remove("PEOPLECLOUD_DATABASE_URL")
        .output()
        .expect("binary runs");
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[tokio::test]
async fn first_start_prints_key_once() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let database = FreshDatabase::create(backend).await;
        let database_url = database.url.clone();

        let port = free_port();
        let server = start_server(&database_url, port);
        wait_until_ready(port).await;
        let (exit, stdout, stderr) = stop(server);
        assert!(exit.success(), "exit {exit:?}: {stderr}");
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 1, "{stdout}");
        let key = lines[0]
            .strip_prefix("PEOPLECLOUD_ADMIN_KEY=")
            .expect("key line");
        assert!(key.starts_with("pcl_"));
        assert!(!stderr.contains(key), "the key reached the log");

        let port = free_port();
        let server = start_server(&database_url, port);
        wait_until_ready(port).await;
        let reply = reqwest::Client::new()
            .get(format!("http://127.0.0.1:{port}/api/v1/user"))
            .header("Authorization", key)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200);
        let (exit, stdout, _) = stop(server);
        assert!(exit.success());
        assert_eq!(stdout, "", "a later start printed a key");
        database.remove().await;
    }
}

#[tokio::test]
async fn user_and_key_commands() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let database = FreshDatabase::create(backend).await;
        let database_url = database.url.clone();

        let created = run(
            &[
                "user",
                "create",
                "--email",
                "ops@example.com",
                "--name",
                "Ops",
                "--type",
                "client",
                "--company",
                "Acme",
            ],
            &database_url,
        );
        let id: i64 = String::from_utf8(created.stdout)
            .unwrap()
            .trim()
            .parse()
            .expect("prints the id");
        assert!(id >= 1);

        // The global option after the subcommand's own options.
        let key_output = run(
            &[
                "key",
                "create",
                "--email",
                "ops@example.com",
                "--name",
                "deploy",
            ],
            &database_url,
        );
        let key = String::from_utf8(key_output.stdout)
            .unwrap()
            .trim()
            .to_owned();
        assert!(key.starts_with("pcl_"));

        let listing = String::from_utf8(
            run(
                &["key", "list", "--email", "ops@example.com"],
                &database_url,
            )
            .stdout,
        )
        .unwrap();
        assert!(listing.contains("deploy"), "{listing}");
        assert!(!listing.contains(&key), "the listing shows the key");
        let key_id = listing
            .lines()
            .nth(1)
            .and_then(|line| line.split_whitespace().next())
            .unwrap()
            .to_owned();

        let port = free_port();
        let server = start_server(&database_url, port);
        wait_until_ready(port).await;
        let http = reqwest::Client::new();
        let profile_url = format!("http://127.0.0.1:{port}/api/v1/user");
        let reply = http
            .get(&profile_url)
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200);
        let profile: serde_json::Value = reply.json().await.unwrap();
        assert_eq!(profile["company"], "Acme");

        run(&["key", "revoke", &key_id], &database_url);
        let reply = http
            .get(&profile_url)
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 401);
        let (exit, _, _) = stop(server);
        assert!(exit.success());
        database.remove().await;
    }
}

#[test]
fn openapi_command_prints_the_document() {
    let output = Command::new(BINARY).arg("openapi").output().unwrap();
    assert!(output.status.success());
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    assert!(document["paths"]["/api/v1/user/new"]["post"].is_object());
}

#[test]
fn help_names_units_and_defaults() {
    let output = Command::new(BINARY)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(help.contains("[default: 127.0.0.1:8080]"), "{help}");
    assert!(help.contains("in bytes"), "{help}");
    assert!(help.contains("PEOPLECLOUD_BIND"), "{help}");
}
