//! The error model: every failure is JSON with the documented status, and every response
//! carries a request id.

use peoplecloud::http::HttpLimits;
use serde_json::json;

use crate::helpers::{each_backend, each_backend_with};

#[tokio::test]
async fn unknown_route_is_json_404() {
    each_backend(async |app| {
        let reply = app.get("/api/v1/nothing-here", &app.admin_key).await;
        assert_eq!(reply.status, 404);
        assert_eq!(reply.body, json!({"message": "Not found."}));
    })
    .await;
}

#[tokio::test]
async fn wrong_method_is_json_405_with_allow() {
    each_backend(async |app| {
        let reply = app
            .send(
                app.http
                    .delete(app.url("/api/v1/user/new"))
                    .bearer_auth(&app.admin_key),
            )
            .await;
        assert_eq!(reply.status, 405);
        assert_eq!(reply.body, json!({"message": "Method not allowed."}));
        let allow = reply
            .headers
            .get("allow")
            .expect("Allow header")
            .to_str()
            .unwrap();
        assert!(allow.contains("POST"), "{allow}");
    })
    .await;
}

#[tokio::test]
async fn malformed_json_is_400_with_position() {
    each_backend(async |app| {
        let request = app
            .http
            .post(app.url("/api/v1/user/new"))
            .bearer_auth(&app.admin_key)
            .header("content-type", "application/json")
            .body("{\n  \"name\": ,\n}");
        let reply = app.send(request).await;
        assert_eq!(reply.status, 400);
        let message = reply.body["message"].as_str().unwrap();
        assert!(message.contains("line 2"), "{message}");
    })
    .await;
}

#[tokio::test]
async fn non_object_body_is_400() {
    each_backend(async |app| {
        let reply = app
            .post("/api/v1/user/new", &app.admin_key, &json!([1, 2]))
            .await;
        assert_eq!(reply.status, 400);
        assert!(reply.body["message"].is_string());
    })
    .await;
}

#[tokio::test]
async fn deep_nesting_is_400() {
    each_backend(async |app| {
        let body = format!("{{\"name\": {}1{}}}", "[".repeat(200), "]".repeat(200));
        let request = app
            .http
            .post(app.url("/api/v1/user/new"))
            .bearer_auth(&app.admin_key)
            .header("content-type", "application/json")
            .body(body);
        assert_eq!(app.send(request).await.status, 400);
    })
    .await;
}

#[tokio::test]
async fn other_content_type_is_415() {
    each_backend(async |app| {
        let request = app
            .http
            .post(app.url("/api/v1/user/new"))
            .bearer_auth(&app.admin_key)
            .header("content-type", "text/plain")
            .body("{}");
        let reply = app.send(request).await;
        assert_eq!(reply.status, 415);
        assert_eq!(
            reply.body,
            json!({"message": "Content-Type must be application/json."})
        );
    })
    .await;
}

#[tokio::test]
async fn missing_content_type_and_empty_body_are_accepted() {
    each_backend(async |app| {
        // An empty body reads as {}, so the response is a 422 listing the required fields.
        let request = app
            .http
            .post(app.url("/api/v1/user/new"))
            .bearer_auth(&app.admin_key);
        let reply = app.send(request).await;
        assert_eq!(reply.status, 422);
        assert!(reply.body["errors"]["name"].is_array());

        let body = serde_json::to_string(&crate::helpers::fixture("create-user.json")).unwrap();
        let request = app
            .http
            .post(app.url("/api/v1/user/new"))
            .bearer_auth(&app.admin_key)
            .body(body);
        assert_eq!(app.send(request).await.status, 201);
    })
    .await;
}

#[tokio::test]
async fn oversized_body_is_413() {
    let limits = HttpLimits {
        max_body_bytes: 1024,
        ..HttpLimits::default()
    };
    each_backend_with(limits, async |app| {
        let body = json!({"name": "x".repeat(4096)});
        let reply = app.post("/api/v1/user/new", &app.admin_key, &body).await;
        assert_eq!(reply.status, 413);
        assert_eq!(reply.body, json!({"message": "Request body too large."}));
    })
    .await;
}

#[tokio::test]
async fn default_limit_is_one_mebibyte() {
    each_backend(async |app| {
        let body = json!({"name": "x".repeat(1024 * 1024 + 1)});
        let reply = app.post("/api/v1/user/new", &app.admin_key, &body).await;
        assert_eq!(reply.status, 413);
    })
    .await;
}

#[tokio::test]
async fn control_characters_are_422() {
    each_backend(async |app| {
        let mut body = crate::helpers::fixture("create-user.json");
        body["name"] = json!("Alice\u{0}Developer");
        let reply = app.post("/api/v1/user/new", &app.admin_key, &body).await;
        assert_eq!(reply.status, 422);
        assert!(reply.body["errors"]["name"].is_array());
    })
    .await;
}

#[tokio::test]
async fn request_id_is_kept_or_made() {
    each_backend(async |app| {
        let kept = app
            .send(
                app.http
                    .get(app.url("/healthz"))
                    .header("x-request-id", "trace-42.a_b"),
            )
            .await;
        assert_eq!(kept.headers["x-request-id"], "trace-42.a_b");

        let replaced = app
            .send(
                app.http
                    .get(app.url("/api/v1/user"))
                    .header("x-request-id", "bad id!"),
            )
            .await;
        assert_eq!(replaced.status, 401);
        let made = replaced.headers["x-request-id"].to_str().unwrap();
        assert!(!made.is_empty());
        assert_ne!(made, "bad id!");

        let too_long = "a".repeat(129);
        let replaced = app
            .send(
                app.http
                    .get(app.url("/healthz"))
                    .header("x-request-id", &too_long),
            )
            .await;
        assert_ne!(replaced.headers["x-request-id"].to_str().unwrap(), too_long);
    })
    .await;
}

#[tokio::test]
async fn health_checks_answer() {
    each_backend(async |app| {
        assert_eq!(
            app.send(app.http.get(app.url("/healthz"))).await.status,
            200
        );
        assert_eq!(app.send(app.http.get(app.url("/readyz"))).await.status, 200);
    })
    .await;
}

#[tokio::test]
async fn metrics_count_requests_by_route() {
    each_backend(async |app| {
        app.get("/api/v1/user", &app.admin_key).await;
        let response = app.http.get(app.url("/metrics")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let text = response.text().await.unwrap();
        assert!(
            text.contains(r#"peoplecloud_http_requests_total{method="GET",route="/api/v1/user",status="200"} 1"#),
            "{text}"
        );
        assert!(text.contains("peoplecloud_http_request_duration_seconds_bucket"), "{text}");
        assert!(text.contains("peoplecloud_db_pool_connections"), "{text}");
    })
    .await;
}

#[tokio::test]
async fn undecodable_path_segment_is_404() {
    each_backend(async |app| {
        for path in [
            "/api/v1/contracts/%FF%FE",
            "/api/public/inquiry/%C3",
            "/api/v1/user/%FF/edit",
        ] {
            let reply = app.get(path, &app.admin_key).await;
            let reply = if reply.status == 405 {
                app.post(path, &app.admin_key, &json!({})).await
            } else {
                reply
            };
            assert_eq!(reply.status, 404, "{path}");
            assert_eq!(reply.body, json!({"message": "Not found."}));
        }
    })
    .await;
}
