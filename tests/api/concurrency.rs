//! Concurrent writes: uniqueness holds, nothing acknowledged is lost, no request gets a 5xx.

use futures::future::join_all;
use serde_json::json;

use crate::helpers::each_backend;

#[tokio::test]
async fn same_email_in_any_case_is_created_once() {
    each_backend(async |app| {
        let requests = (0..50).map(|i| {
            let email = if i % 2 == 0 {
                "Race@Example.com"
            } else {
                "race@EXAMPLE.com"
            };
            let body = json!({
                "name": format!("Racer {i}"), "email": email,
                "password": "password123", "confirm_password": "password123",
            });
            let app = &app;
            async move { app.post("/api/v1/user/new", &app.admin_key, &body).await }
        });
        let replies = join_all(requests).await;

        let created = replies.iter().filter(|reply| reply.status == 201).count();
        let rejected = replies.iter().filter(|reply| reply.status == 422).count();
        assert_eq!(created, 1);
        assert_eq!(rejected, 49);
        for reply in replies.iter().filter(|reply| reply.status == 422) {
            assert_eq!(
                reply.body["errors"]["email"][0],
                "The email has already been taken."
            );
        }
    })
    .await;
}

#[tokio::test]
async fn distinct_users_are_all_created() {
    each_backend(async |app| {
        let requests = (0..200).map(|i| {
            let body = json!({
                "name": format!("Person {i}"), "email": format!("person{i}@example.com"),
                "password": "password123", "confirm_password": "password123",
                "company_name": format!("Company {}", i % 7),
            });
            let app = &app;
            async move { app.post("/api/v1/user/new", &app.admin_key, &body).await }
        });
        let replies = join_all(requests).await;

        let failures: Vec<_> = replies.iter().filter(|reply| reply.status != 201).collect();
        assert!(
            failures.is_empty(),
            "{} failed, first: {:?}",
            failures.len(),
            failures.first()
        );

        // Every acknowledged user exists: each one's e-mail is taken now.
        for i in 0..200 {
            let body = json!({
                "name": "Again", "email": format!("PERSON{i}@example.com"),
                "password": "password123", "confirm_password": "password123",
            });
            let reply = app.post("/api/v1/user/new", &app.admin_key, &body).await;
            assert_eq!(reply.status, 422, "person{i} is missing");
        }
    })
    .await;
}

#[tokio::test]
async fn concurrent_edits_of_different_fields_both_survive() {
    each_backend(async |app| {
        let (id, key) = app
            .user_with_key("edited@example.com", "client", Some("Acme"))
            .await;
        let path = format!("/api/v1/user/{id}/edit");

        for round in 0..10 {
            let name = format!("Name {round}");
            let phone = format!("+35840{round}");
            let name_edit = json!({"name": name});
            let phone_edit = json!({"phone": phone});
            let (first, second) = tokio::join!(
                app.post(&path, &app.admin_key, &name_edit),
                app.post(&path, &app.admin_key, &phone_edit),
            );
            assert_eq!(first.status, 200);
            assert_eq!(second.status, 200);
            let profile = app.profile(&key).await;
            assert_eq!(profile["name"], name.as_str());
            assert_eq!(profile["phone"], phone.as_str());
        }
    })
    .await;
}

#[tokio::test]
async fn concurrent_new_company_is_created_once() {
    each_backend(async |app| {
        let requests = (0..20).map(|i| {
            let body = json!({
                "name": format!("Founder {i}"), "email": format!("founder{i}@example.com"),
                "password": "password123", "confirm_password": "password123",
                "company_name": if i % 2 == 0 { "Brand New Oy" } else { " brand  new OY" },
            });
            let app = &app;
            async move { app.post("/api/v1/user/new", &app.admin_key, &body).await }
        });
        let replies = join_all(requests).await;
        assert!(replies.iter().all(|reply| reply.status == 201));

        let mut company_ids = Vec::new();
        for reply in &replies {
            let key = app.key_for(reply.body["id"].as_i64().unwrap()).await;
            company_ids.push(app.profile(&key).await["company_id"].clone());
        }
        company_ids.dedup();
        assert_eq!(company_ids.len(), 1, "{company_ids:?}");
    })
    .await;
}
