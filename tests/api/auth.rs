//! Authentication: both header forms, every 401 case, the token endpoint and key management.

use serde_json::json;

use crate::helpers::each_backend;

const UNAUTHENTICATED: &str = "Unauthenticated.";

#[tokio::test]
async fn both_header_forms_work() {
    each_backend(async |app| {
        let bare = app
            .send(
                app.http
                    .get(app.url("/api/v1/user"))
                    .header("Authorization", &app.admin_key),
            )
            .await;
        assert_eq!(bare.status, 200);
        let bearer = app
            .send(
                app.http
                    .get(app.url("/api/v1/user"))
                    .header("Authorization", format!("Bearer {}", app.admin_key)),
            )
            .await;
        assert_eq!(bearer.status, 200);
    })
    .await;
}

#[tokio::test]
async fn missing_and_malformed_keys_get_401() {
    each_backend(async |app| {
        let no_header = app.send(app.http.get(app.url("/api/v1/user"))).await;
        assert_eq!(no_header.status, 401);
        assert_eq!(no_header.body, json!({"message": UNAUTHENTICATED}));

        let long = "x".repeat(10 * 1024);
        for key in [
            "15|abc",
            "pcl_unknown",
            "Bearer",
            "Basic abc",
            long.as_str(),
            "clé-ünïcode",
        ] {
            let request = app
                .http
                .get(app.url("/api/v1/user"))
                .header("Authorization", key.as_bytes());
            let reply = app.send(request).await;
            assert_eq!(reply.status, 401, "key {:.20}", key);
            assert_eq!(reply.body, json!({"message": UNAUTHENTICATED}));
        }
    })
    .await;
}

#[tokio::test]
async fn revoked_key_gets_401() {
    each_backend(async |app| {
        let created = app
            .post(
                "/api/v1/api-keys/new",
                &app.admin_key,
                &json!({"name": "temp"}),
            )
            .await;
        assert_eq!(created.status, 201);
        let key = created.body["token"].as_str().unwrap().to_owned();
        let id = created.body["key"]["id"].as_i64().unwrap();
        assert_eq!(app.get("/api/v1/user", &key).await.status, 200);

        let revoked = app
            .post(
                &format!("/api/v1/api-keys/{id}/revoke"),
                &app.admin_key,
                &json!({}),
            )
            .await;
        assert_eq!(revoked.status, 200);
        let reply = app.get("/api/v1/user", &key).await;
        assert_eq!(reply.status, 401);
        assert_eq!(reply.body, json!({"message": UNAUTHENTICATED}));

        let again = app
            .post(
                &format!("/api/v1/api-keys/{id}/revoke"),
                &app.admin_key,
                &json!({}),
            )
            .await;
        assert_eq!(again.status, 409);
    })
    .await;
}

#[tokio::test]
async fn expired_key_gets_401() {
    each_backend(async |app| {
        let (id, _) = app
            .user_with_key("expiry@example.com", "client", Some("Acme"))
            .await;
        let user = app.store().user_by_id(id).await.unwrap().unwrap();
        // A key that expired a second ago, written straight to the store.
        let mut issued = peoplecloud::domain::auth::issue_key(user.id, "expired", None);
        issued.row.expires_at =
            Some(peoplecloud::domain::time::now() - chrono::TimeDelta::seconds(1));
        app.store().create_api_key(&issued.row).await.unwrap();

        let reply = app.get("/api/v1/user", &issued.key).await;
        assert_eq!(reply.status, 401);
        assert_eq!(reply.body, json!({"message": UNAUTHENTICATED}));
    })
    .await;
}

#[tokio::test]
async fn soft_deleted_users_key_gets_401() {
    each_backend(async |app| {
        let (id, key) = app
            .user_with_key("gone@example.com", "client", Some("Acme"))
            .await;
        assert_eq!(app.get("/api/v1/user", &key).await.status, 200);
        let reply = app
            .post(
                &format!("/api/v1/user/{id}/soft-delete"),
                &app.admin_key,
                &json!({}),
            )
            .await;
        assert_eq!(reply.status, 200);
        let reply = app.get("/api/v1/user", &key).await;
        assert_eq!(reply.status, 401);
        assert_eq!(reply.body, json!({"message": UNAUTHENTICATED}));
    })
    .await;
}

#[tokio::test]
async fn token_endpoint_issues_working_key() {
    each_backend(async |app| {
        app.create_user("signin@example.com", "client", Some("Acme"))
            .await;
        let reply = app
            .send(app.http.post(app.url("/api/v1/auth/token")).json(&json!({
                "email": "SignIn@example.com", "password": "password123", "name": "laptop"
            })))
            .await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        let token = reply.body["token"].as_str().unwrap();
        assert!(token.starts_with("pcl_"));
        assert!(reply.body["expires_at"].is_string());
        assert_eq!(app.profile(token).await["email"], "signin@example.com");

        let keys = app.get("/api/v1/api-keys", token).await;
        assert_eq!(keys.status, 200);
        let listed = keys.body.as_array().unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0]["name"], "laptop");
        assert!(listed[0].get("token").is_none());
        assert!(listed[0].get("hash").is_none());
        assert!(token.starts_with(listed[0]["prefix"].as_str().unwrap()));
    })
    .await;
}

#[tokio::test]
async fn token_failures_look_alike_and_are_limited() {
    each_backend(async |app| {
        app.create_user("limited@example.com", "client", Some("Acme"))
            .await;
        let attempt = |email: &str, password: &str| {
            app.http
                .post(app.url("/api/v1/auth/token"))
                .json(&json!({"email": email, "password": password}))
        };

        let wrong_password = app
            .send(attempt("limited@example.com", "wrong-password"))
            .await;
        let unknown_email = app
            .send(attempt("nobody@example.com", "wrong-password"))
            .await;
        assert_eq!(wrong_password.status, 401);
        assert_eq!(unknown_email.status, 401);
        assert_eq!(wrong_password.body, unknown_email.body);

        // Two failures so far from this address; three more reach the limit of five.
        for _ in 0..3 {
            assert_eq!(
                app.send(attempt("limited@example.com", "wrong-password"))
                    .await
                    .status,
                401
            );
        }
        let limited = app
            .send(attempt("limited@example.com", "password123"))
            .await;
        assert_eq!(limited.status, 429);
        assert_eq!(limited.body, json!({"message": "Too many attempts."}));
        assert_eq!(limited.headers["retry-after"], "900");
    })
    .await;
}

#[tokio::test]
async fn keys_of_others_are_hidden() {
    each_backend(async |app| {
        let (_, alice_key) = app
            .user_with_key("alice@example.com", "client", Some("Acme"))
            .await;
        let (bob_id, _) = app
            .user_with_key("bob@example.com", "client", Some("Acme"))
            .await;
        let bob_keys = app
            .get(
                &format!("/api/v1/api-keys?user_id={bob_id}"),
                &app.admin_key,
            )
            .await;
        assert_eq!(bob_keys.status, 200);
        let bob_key_id = bob_keys.body[0]["id"].as_i64().unwrap();

        let reply = app
            .post(
                &format!("/api/v1/api-keys/{bob_key_id}/revoke"),
                &alice_key,
                &json!({}),
            )
            .await;
        assert_eq!(reply.status, 404);
        let reply = app
            .get(&format!("/api/v1/api-keys?user_id={bob_id}"), &alice_key)
            .await;
        assert_eq!(reply.status, 403);
        let reply = app
            .post(
                "/api/v1/api-keys/new",
                &alice_key,
                &json!({"user_id": bob_id}),
            )
            .await;
        assert_eq!(reply.status, 403);
    })
    .await;
}

#[tokio::test]
async fn parallel_guesses_hit_the_limit() {
    each_backend(async |app| {
        app.create_user("target@example.com", "client", Some("Acme"))
            .await;
        let guesses = (0..30).map(|i| {
            let request = app
                .http
                .post(app.url("/api/v1/auth/token"))
                .json(&json!({"email": "target@example.com", "password": format!("guess-{i}")}));
            app.send(request)
        });
        let replies = futures::future::join_all(guesses).await;

        let checked = replies.iter().filter(|reply| reply.status == 401).count();
        let limited = replies.iter().filter(|reply| reply.status == 429).count();
        assert!(checked <= 5, "{checked} guesses were checked");
        assert_eq!(checked + limited, 30);
    })
    .await;
}
