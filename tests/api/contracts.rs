//! Contract endpoints: the published flow with the example bodies, exact money, edit merges,
//! generated and duplicate public ids, cancel, the list, and the admin-only rule.

use chrono::{Datelike, Utc};
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, each_backend, fixture};

/// Reads the admin's own user id from `GET /api/v1/user`.
async fn admin_id(app: &TestApp) -> i64 {
    app.profile(&app.admin_key).await["id"]
        .as_i64()
        .expect("admin id")
}

async fn create(app: &TestApp, body: &Value) -> Reply {
    app.post("/api/v1/contracts/new", &app.admin_key, body)
        .await
}

/// Creates a contract as the admin and returns its numeric and public ids.
async fn create_ok(app: &TestApp, body: &Value) -> (i64, String) {
    let reply = create(app, body).await;
    assert_eq!(reply.status, 201, "create: {:?}", reply.body);
    let id = reply.body["id"].as_i64().expect("numeric id");
    let public = reply.body["the_contract_id"]
        .as_str()
        .expect("public id")
        .to_owned();
    (id, public)
}

/// Builds a valid body with only the required fields.
fn minimal(client: &str) -> Value {
    json!({"client_company_name": client, "contract_start": "2026-01-01"})
}

async fn read(app: &TestApp, id: i64) -> Value {
    let reply = app
        .get(&format!("/api/v1/contracts/id/{id}"), &app.admin_key)
        .await;
    assert_eq!(reply.status, 200, "read {id}: {:?}", reply.body);
    reply.body
}

async fn edit(app: &TestApp, id: i64, body: Value) -> Reply {
    app.post(
        &format!("/api/v1/contracts/id/{id}/edit"),
        &app.admin_key,
        &body,
    )
    .await
}

#[tokio::test]
async fn published_contract_flow() {
    each_backend(async |app| {
        let seller = admin_id(app).await;
        let mut body = fixture("create-contract.json");
        body["seller_id"] = json!(seller);

        let created = create(app, &body).await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        assert_eq!(created.body["message"], "Contract created successfully");
        assert_eq!(created.body["the_contract_id"], "CNTR-2026-0005");
        let id = created.body["id"].as_i64().expect("numeric id");

        let before = app
            .get("/api/v1/contracts/CNTR-2026-0005", &app.admin_key)
            .await;
        assert_eq!(before.status, 200, "{:?}", before.body);
        let before = before.body;
        assert_eq!(before["id"], id);
        assert_eq!(before["contract_end"], Value::Null);
        assert_eq!(before["is_infinite"], true);
        assert_eq!(before["contract_start"], "2026-01-22 00:00:00");
        assert_eq!(before["status"], "ongoing");
        assert_eq!(before["type"], "hourly");
        assert_eq!(before["client_price"], "120.50");
        assert_eq!(before["vendor_price"], "95.00");
        assert_eq!(before["vat"], "24.00");
        assert_eq!(before["allocation"], 100);
        assert_eq!(before["max_hours"], 160);
        assert_eq!(before["seller_id"], seller);
        assert_eq!(before["client_company_name"], "La");
        assert_eq!(before["vendor_company_name"], "Law");
        assert!(before["client_company_id"].is_i64());
        assert!(before["vendor_company_id"].is_i64());
        assert_eq!(before["selected_consultant"]["name"], "Jane Consultant");
        assert_eq!(before["selected_consultant"]["title"], "Senior Developer");
        assert_eq!(before["consult_name"], "Jane Consultant");
        assert_eq!(before["consult_title"], "Senior Developer");
        assert_eq!(before["consult_skills"], json!(["Rust", "PostgreSQL"]));
        assert_eq!(before["notes"], "Created via API - test contract");
        assert_eq!(before["terminated_at"], Value::Null);

        let edited = app
            .post(
                "/api/v1/contracts/CNTR-2026-0005/edit",
                &app.admin_key,
                &fixture("edit-contract.json"),
            )
            .await;
        assert_eq!(edited.status, 200, "{:?}", edited.body);
        assert_eq!(edited.body["message"], "Contract updated successfully");

        let after = read(app, id).await;
        assert_eq!(after["client_price"], "150.00");
        assert_eq!(after["notes"], "Updated via public API");
        assert_ne!(after["updated_at"], before["updated_at"]);
        let unchanged = |contract: &Value| {
            let mut contract = contract.clone();
            let fields = contract.as_object_mut().expect("object");
            for key in ["client_price", "notes", "updated_at"] {
                fields.remove(key);
            }
            contract
        };
        assert_eq!(unchanged(&after), unchanged(&before));
    })
    .await;
}

#[tokio::test]
async fn cancel_by_either_id() {
    each_backend(async |app| {
        let (first, first_public) = create_ok(app, &minimal("Acme")).await;
        let (second, _) = create_ok(app, &minimal("Acme")).await;

        let by_public = format!("/api/v1/contracts/{first_public}/cancel");
        let reply = app.post(&by_public, &app.admin_key, &json!({})).await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(reply.body["message"], "Contract terminated successfully");
        let again = app.post(&by_public, &app.admin_key, &json!({})).await;
        assert_eq!(again.status, 409, "{:?}", again.body);

        let by_id = format!("/api/v1/contracts/id/{second}/cancel");
        let reply = app.post(&by_id, &app.admin_key, &json!({})).await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(reply.body["message"], "Contract terminated successfully");
        let again = app.post(&by_id, &app.admin_key, &json!({})).await;
        assert_eq!(again.status, 409, "{:?}", again.body);
        assert_eq!(
            again.body["message"],
            "Contract cannot be cancelled in status terminated."
        );

        let terminated = read(app, first).await;
        assert_eq!(terminated["status"], "terminated");
        assert!(terminated["terminated_at"].is_string(), "{terminated}");
        let edit_terminated = edit(app, first, json!({"notes": "late"})).await;
        assert_eq!(edit_terminated.status, 409, "{:?}", edit_terminated.body);

        let missing = app
            .post(
                "/api/v1/contracts/id/999/cancel",
                &app.admin_key,
                &json!({}),
            )
            .await;
        assert_eq!(missing.status, 404);
        let missing = app
            .post(
                "/api/v1/contracts/NOPE-1/cancel",
                &app.admin_key,
                &json!({}),
            )
            .await;
        assert_eq!(missing.status, 404);
    })
    .await;
}

#[tokio::test]
async fn list_search_ignores_case() {
    each_backend(async |app| {
        let mut first = minimal("Northwind Traders");
        first["vendor_company_name"] = json!("Contoso Staffing");
        first["selected_consultant"] = json!({"name": "Ada Lovelace"});
        let (first_id, _) = create_ok(app, &first).await;
        let mut second = minimal("Fabrikam");
        second["selected_consultant"] = json!({"name": "Grace Hopper"});
        let (second_id, _) = create_ok(app, &second).await;

        for (search, expected) in [
            ("ada love", vec![first_id]),
            ("NORTHWIND", vec![first_id]),
            ("contoso STAFF", vec![first_id]),
            ("hopper", vec![second_id]),
            ("a", vec![second_id, first_id]),
            ("50%", vec![]),
            ("_", vec![]),
        ] {
            let reply = app
                .get(
                    &format!("/api/v1/contracts?search={}", urlencode(search)),
                    &app.admin_key,
                )
                .await;
            assert_eq!(reply.status, 200, "{search}: {:?}", reply.body);
            let found: Vec<i64> = reply.body["contracts"]
                .as_array()
                .expect("contracts")
                .iter()
                .map(|contract| contract["id"].as_i64().expect("id"))
                .collect();
            assert_eq!(found, expected, "search {search:?}");
        }

        let item = &app.get("/api/v1/contracts", &app.admin_key).await.body["contracts"][1];
        assert_eq!(item["client_company_name"], "Northwind Traders");
        assert_eq!(item["vendor_company_name"], "Contoso Staffing");
        assert_eq!(item["consult_name"], "Ada Lovelace");
        assert_eq!(item["contract_start"], "2026-01-01 00:00:00");
        assert_eq!(item["status"], "not started");
    })
    .await;
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn list_pagination_numbers() {
    each_backend(async |app| {
        let mut ids = Vec::new();
        for _ in 0..25 {
            ids.push(create_ok(app, &minimal("Acme")).await.0);
        }

        let first = app.get("/api/v1/contracts", &app.admin_key).await;
        assert_eq!(first.status, 200);
        assert_eq!(first.body["total"], 25);
        assert_eq!(first.body["per_page"], 10);
        assert_eq!(first.body["current_page"], 1);
        assert_eq!(first.body["last_page"], 3);
        assert_eq!(first.body["from"], 1);
        assert_eq!(first.body["to"], 10);
        // Newest first.
        assert_eq!(first.body["contracts"][0]["id"], ids[24]);

        let last = app
            .get("/api/v1/contracts?page=3&per_page=10", &app.admin_key)
            .await;
        assert_eq!(last.body["from"], 21);
        assert_eq!(last.body["to"], 25);
        assert_eq!(last.body["contracts"].as_array().map(Vec::len), Some(5));
        assert_eq!(last.body["contracts"][4]["id"], ids[0]);

        let past = app.get("/api/v1/contracts?page=4", &app.admin_key).await;
        assert_eq!(past.body["total"], 25);
        assert_eq!(past.body["from"], Value::Null);
        assert_eq!(past.body["to"], Value::Null);
        assert_eq!(past.body["contracts"], json!([]));

        let bad = app
            .get("/api/v1/contracts?per_page=101", &app.admin_key)
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.body["errors"]["per_page"].is_array());
    })
    .await;
}

#[tokio::test]
async fn list_status_filter() {
    each_backend(async |app| {
        let mut ongoing = minimal("Acme");
        ongoing["status"] = json!("active");
        let (ongoing_id, _) = create_ok(app, &ongoing).await;
        let (terminated_id, public) = create_ok(app, &minimal("Acme")).await;
        let cancel = app
            .post(
                &format!("/api/v1/contracts/{public}/cancel"),
                &app.admin_key,
                &json!({}),
            )
            .await;
        assert_eq!(cancel.status, 200);

        let ids = |reply: &Reply| -> Vec<i64> {
            reply.body["contracts"]
                .as_array()
                .expect("contracts")
                .iter()
                .map(|contract| contract["id"].as_i64().expect("id"))
                .collect()
        };
        let default = app.get("/api/v1/contracts", &app.admin_key).await;
        assert_eq!(ids(&default), vec![ongoing_id]);
        let terminated = app
            .get("/api/v1/contracts?status=terminated", &app.admin_key)
            .await;
        assert_eq!(ids(&terminated), vec![terminated_id]);
        for status in ["active", "ongoing"] {
            let reply = app
                .get(
                    &format!("/api/v1/contracts?status={status}"),
                    &app.admin_key,
                )
                .await;
            assert_eq!(ids(&reply), vec![ongoing_id], "{status}");
        }
        let not_started = app
            .get("/api/v1/contracts?status=not%20started", &app.admin_key)
            .await;
        assert_eq!(ids(&not_started), Vec::<i64>::new());

        let invalid = app
            .get("/api/v1/contracts?status=paused", &app.admin_key)
            .await;
        assert_eq!(invalid.status, 422);
        let message = invalid.body["errors"]["status"][0].as_str().unwrap_or("");
        assert!(message.contains("terminated"), "{message}");
    })
    .await;
}

#[tokio::test]
async fn other_roles_get_403_everywhere() {
    each_backend(async |app| {
        let (id, public) = create_ok(app, &minimal("Acme")).await;
        let (_, client_key) = app
            .user_with_key("client@acme.test", "client", Some("Acme"))
            .await;
        let (_, vendor_key) = app
            .user_with_key("vendor@supply.test", "vendor", Some("Supply"))
            .await;

        let gets = [
            "/api/v1/contracts".to_owned(),
            format!("/api/v1/contracts/{public}"),
            format!("/api/v1/contracts/id/{id}"),
            "/api/v1/contracts/MISSING".to_owned(),
            "/api/v1/contracts/id/abc".to_owned(),
        ];
        let posts = [
            "/api/v1/contracts/new".to_owned(),
            format!("/api/v1/contracts/{public}/edit"),
            format!("/api/v1/contracts/id/{id}/edit"),
            format!("/api/v1/contracts/{public}/cancel"),
            format!("/api/v1/contracts/id/{id}/cancel"),
            "/api/v1/contracts/id/0/cancel".to_owned(),
        ];
        for key in [&client_key, &vendor_key] {
            for path in &gets {
                let reply = app.get(path, key).await;
                assert_eq!(reply.status, 403, "GET {path}: {:?}", reply.body);
                assert_eq!(reply.body["message"], "This action is unauthorized.");
            }
            for path in &posts {
                let reply = app.post(path, key, &fixture("create-contract.json")).await;
                assert_eq!(reply.status, 403, "POST {path}: {:?}", reply.body);
            }
        }
        assert_eq!(read(app, id).await["status"], "not started");
    })
    .await;
}

#[tokio::test]
async fn concurrent_creates_one_wins() {
    each_backend(async |app| {
        let mut body = minimal("Acme");
        body["the_contract_id"] = json!("RACE-1");

        let replies = futures::future::join_all((0..50).map(|_| create(app, &body))).await;
        let created = replies.iter().filter(|reply| reply.status == 201).count();
        let rejected: Vec<&Reply> = replies.iter().filter(|reply| reply.status == 422).collect();
        assert_eq!(created, 1);
        assert_eq!(rejected.len(), 49);
        for reply in rejected {
            assert!(
                reply.body["errors"]["the_contract_id"].is_array(),
                "{:?}",
                reply.body
            );
        }
    })
    .await;
}

#[tokio::test]
async fn money_is_exact() {
    each_backend(async |app| {
        for price in [
            json!(150),
            json!(150.0),
            json!("150.00"),
            json!("150"),
            json!(1.5e2),
        ] {
            let mut body = minimal("Acme");
            body["client_price"] = price.clone();
            let (id, _) = create_ok(app, &body).await;
            assert_eq!(read(app, id).await["client_price"], "150.00", "{price}");
        }

        let mut body = minimal("Acme");
        body["client_price"] = serde_json::from_str("12345678901234.07").expect("number");
        body["vendor_price"] = json!("0.1");
        let (id, _) = create_ok(app, &body).await;
        let stored = read(app, id).await;
        assert_eq!(stored["client_price"], "12345678901234.07");
        assert_eq!(stored["vendor_price"], "0.10");

        for (key, value) in [
            ("client_price", json!(150.001)),
            ("client_price", json!("150.001")),
            ("client_price", json!(-1)),
            ("client_price", json!("12,50")),
            ("vendor_price", json!(true)),
            ("vat", json!(100.01)),
            ("vat", json!("24.125")),
        ] {
            let mut body = minimal("Acme");
            body[key] = value.clone();
            let reply = create(app, &body).await;
            assert_eq!(reply.status, 422, "{key} {value}: {:?}", reply.body);
            assert!(reply.body["errors"][key].is_array(), "{:?}", reply.body);
        }
    })
    .await;
}

#[tokio::test]
async fn generated_ids_skip_taken_ones() {
    each_backend(async |app| {
        let year = Utc::now().year();
        let mut taken_id = minimal("Acme");
        taken_id["the_contract_id"] = json!(format!("cntr-{year}-0002"));
        create_ok(app, &taken_id).await;

        let (_, first) = create_ok(app, &minimal("Acme")).await;
        let mut blank = minimal("Acme");
        blank["the_contract_id"] = json!("");
        let (_, second) = create_ok(app, &blank).await;
        assert_eq!(first, format!("CNTR-{year}-0001"));
        assert_eq!(second, format!("CNTR-{year}-0003"));

        let mut duplicate = minimal("Acme");
        duplicate["the_contract_id"] = json!(format!("Cntr-{year}-0001"));
        let reply = create(app, &duplicate).await;
        assert_eq!(reply.status, 422);
        assert!(reply.body["errors"]["the_contract_id"].is_array());

        // Public ids are found ignoring case and returned as sent.
        let reply = app
            .get(
                &format!("/api/v1/contracts/CNTR-{year}-0002"),
                &app.admin_key,
            )
            .await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body["the_contract_id"], format!("cntr-{year}-0002"));
    })
    .await;
}

#[tokio::test]
async fn public_ids_with_reserved_characters() {
    each_backend(async |app| {
        let mut body = minimal("Acme");
        body["the_contract_id"] = json!("Ä/1 #x?");
        create_ok(app, &body).await;

        let path = format!("/api/v1/contracts/{}", urlencode("ä/1 #X?"));
        let reply = app.get(&path, &app.admin_key).await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(reply.body["the_contract_id"], "Ä/1 #x?");

        let mut long = minimal("Acme");
        long["the_contract_id"] = json!("x".repeat(65));
        assert_eq!(create(app, &long).await.status, 422);
    })
    .await;
}

#[tokio::test]
async fn edit_merges_and_checks() {
    each_backend(async |app| {
        let mut body = minimal("Acme");
        body["notes"] = json!("keep me?");
        body["contract_end"] = json!("2026-06-30");
        body["vendor_company_name"] = json!("Supply");
        let (id, _) = create_ok(app, &body).await;

        let reply = edit(app, id, json!({"notes": null, "vendor_company_name": ""})).await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        let stored = read(app, id).await;
        assert_eq!(stored["notes"], Value::Null);
        assert_eq!(stored["vendor_company_name"], Value::Null);
        assert_eq!(stored["client_company_name"], "Acme");
        assert_eq!(stored["contract_end"], "2026-06-30 00:00:00");

        for (body, field) in [
            (json!({"client_company_name": null}), "client_company_name"),
            (json!({"status": null}), "status"),
            (json!({"status": "terminated"}), "status"),
            (json!({"contract_start": null}), "contract_start"),
            (json!({"contract_start": "2026-07-01"}), "contract_end"),
            (json!({"contract_end": "2025-12-31"}), "contract_end"),
            (json!({"contract_end": "2026-02-30"}), "contract_end"),
            (json!({"the_contract_id": "OTHER-1"}), "the_contract_id"),
            (json!({"client_company_id": 999}), "client_company_id"),
            (json!({"seller_id": 999}), "seller_id"),
            (
                json!({"selected_consultant": {"id": 999}}),
                "selected_consultant.id",
            ),
            (json!({"allocation": "101%"}), "allocation"),
        ] {
            let reply = edit(app, id, body.clone()).await;
            assert_eq!(reply.status, 422, "{body}: {:?}", reply.body);
            assert!(
                reply.body["errors"][field].is_array(),
                "{body}: {:?}",
                reply.body
            );
        }

        // Infinite drops the end, after which any start is fine; a start can then be moved.
        let reply = edit(app, id, json!({"is_infinite": true, "allocation": "50%"})).await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        let reply = edit(app, id, json!({"contract_start": "2027-01-01"})).await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        let stored = read(app, id).await;
        assert_eq!(stored["contract_end"], Value::Null);
        assert_eq!(stored["contract_start"], "2027-01-01 00:00:00");
        assert_eq!(stored["allocation"], 50);
        assert_eq!(stored["notes"], Value::Null);
    })
    .await;
}

#[tokio::test]
async fn concurrent_edits_both_survive() {
    each_backend(async |app| {
        let (id, _) = create_ok(app, &minimal("Acme")).await;

        for round in 0..10 {
            let notes = json!({"notes": format!("note {round}")});
            let price = json!({"client_price": format!("{round}.25")});
            let start = json!({"contract_start": format!("2026-02-{:02}", round + 1)});
            let replies = futures::future::join3(
                edit(app, id, notes),
                edit(app, id, price),
                edit(app, id, start),
            )
            .await;
            assert_eq!(
                [replies.0.status, replies.1.status, replies.2.status],
                [200, 200, 200]
            );
            let stored = read(app, id).await;
            assert_eq!(stored["notes"], format!("note {round}"));
            assert_eq!(stored["client_price"], format!("{round}.25"));
            assert_eq!(
                stored["contract_start"],
                format!("2026-02-{:02} 00:00:00", round + 1)
            );
        }
    })
    .await;
}

#[tokio::test]
async fn companies_and_seller_are_checked() {
    each_backend(async |app| {
        let (_, key) = app
            .user_with_key("client@acme.test", "client", Some("Acme Oy"))
            .await;
        let acme = app.profile(&key).await["company_id"]
            .as_i64()
            .expect("company");

        let body = json!({"client_company_id": acme, "client_company_name": " acme  OY ",
            "vendor_company_id": 0, "contract_start": "2026-01-01"});
        let (id, _) = create_ok(app, &body).await;
        let stored = read(app, id).await;
        assert_eq!(stored["client_company_id"], acme);
        assert_eq!(stored["client_company_name"], "Acme Oy");
        assert_eq!(stored["vendor_company_id"], Value::Null);

        let missing_client = create(app, &json!({"contract_start": "2026-01-01"})).await;
        assert_eq!(missing_client.status, 422);
        assert!(missing_client.body["errors"]["client_company_name"].is_array());

        let (deleted, _) = app
            .user_with_key("gone@acme.test", "client", Some("Acme Oy"))
            .await;
        let reply = app
            .post(
                &format!("/api/v1/user/{deleted}/soft-delete"),
                &app.admin_key,
                &json!({}),
            )
            .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        for (key, value) in [
            ("client_company_id", json!(999_999)),
            ("vendor_company_id", json!(999_999)),
            ("seller_id", json!(999_999)),
            ("seller_id", json!(deleted)),
            ("seller_id", json!("x")),
        ] {
            let mut body = minimal("Acme");
            body[key] = value.clone();
            let reply = create(app, &body).await;
            assert_eq!(reply.status, 422, "{key} {value}: {:?}", reply.body);
            assert!(reply.body["errors"][key].is_array(), "{:?}", reply.body);
        }
    })
    .await;
}

#[tokio::test]
async fn consultants_attach_or_create() {
    each_backend(async |app| {
        let mut body = minimal("Acme");
        body["selected_consultant"] = json!({"name": "Jane Consultant", "title": "Developer"});
        body["consult_skills"] = json!(" Rust, rust ,SQL,, Go ");
        let (first, _) = create_ok(app, &body).await;
        let stored = read(app, first).await;
        assert_eq!(stored["consult_skills"], json!(["Rust", "SQL", "Go"]));
        let consultant = stored["selected_consultant"]["id"]
            .as_i64()
            .expect("consultant id");

        let mut attach = minimal("Acme");
        attach["selected_consultant"] = json!({"id": consultant, "title": "Lead Developer"});
        attach["consult_skills"] = json!(["Go", " GO", "", "Kotlin"]);
        let (second, _) = create_ok(app, &attach).await;
        let stored = read(app, second).await;
        assert_eq!(stored["selected_consultant"]["id"], consultant);
        assert_eq!(stored["consult_name"], "Jane Consultant");
        assert_eq!(stored["consult_title"], "Lead Developer");
        assert_eq!(stored["consult_skills"], json!(["Go", "Kotlin"]));
        // The consultant is shared, so the first contract shows the new title too.
        assert_eq!(read(app, first).await["consult_title"], "Lead Developer");

        // A name alone always creates a new consultant: names are not identities.
        let reply = edit(
            app,
            second,
            json!({"selected_consultant": {"name": "Jane Consultant"}}),
        )
        .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        let stored = read(app, second).await;
        assert_ne!(stored["selected_consultant"]["id"], consultant);
        assert_eq!(stored["consult_title"], Value::Null);

        let reply = edit(
            app,
            second,
            json!({"selected_consultant": null, "consult_skills": null}),
        )
        .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        let stored = read(app, second).await;
        assert_eq!(stored["selected_consultant"], Value::Null);
        assert_eq!(stored["consult_skills"], json!([]));

        let reply = create(
            app,
            &json!({"client_company_name": "Acme", "is_infinite": true,
            "selected_consultant": {"title": "No name"}}),
        )
        .await;
        assert_eq!(reply.status, 422);
        assert!(reply.body["errors"]["selected_consultant.name"].is_array());
    })
    .await;
}

#[tokio::test]
async fn create_reports_every_problem() {
    each_backend(async |app| {
        let body = json!({"status": "paused", "type": "weekly", "contract_start": "2026-13-01",
            "allocation": 150, "max_hours": -1, "is_infinite": "maybe"});
        let reply = create(app, &body).await;
        assert_eq!(reply.status, 422);
        for field in [
            "status",
            "type",
            "contract_start",
            "allocation",
            "max_hours",
            "is_infinite",
            "client_company_name",
        ] {
            assert!(
                reply.body["errors"][field].is_array(),
                "{field}: {:?}",
                reply.body
            );
        }
    })
    .await;
}

#[tokio::test]
async fn openapi_lists_contract_routes() {
    each_backend(async |app| {
        let document = app.get("/api/openapi.json", "").await.body;
        for (path, method) in [
            ("/api/v1/contracts", "get"),
            ("/api/v1/contracts/new", "post"),
            ("/api/v1/contracts/{the_contract_id}", "get"),
            ("/api/v1/contracts/id/{id}", "get"),
            ("/api/v1/contracts/{the_contract_id}/edit", "post"),
            ("/api/v1/contracts/id/{id}/edit", "post"),
            ("/api/v1/contracts/{the_contract_id}/cancel", "post"),
            ("/api/v1/contracts/id/{id}/cancel", "post"),
        ] {
            assert!(
                document["paths"][path][method].is_object(),
                "{method} {path} missing"
            );
        }
        let example = &document["components"]["schemas"]["NewContractBody"]["example"];
        assert_eq!(example["the_contract_id"], "CNTR-2026-0005");
    })
    .await;
}

#[tokio::test]
async fn active_contracts_counted_per_client() {
    each_backend(async |app| {
        let (first, public) = create_ok(app, &minimal("Acme")).await;
        create_ok(app, &minimal("Acme")).await;
        create_ok(app, &minimal("Other")).await;
        let cancel = app
            .post(
                &format!("/api/v1/contracts/{public}/cancel"),
                &app.admin_key,
                &json!({}),
            )
            .await;
        assert_eq!(cancel.status, 200);
        let acme = read(app, first).await["client_company_id"]
            .as_i64()
            .expect("company id");

        let store = app.store();
        assert_eq!(store.count_active_contracts(Some(acme)).await.unwrap(), 1);
        assert_eq!(store.count_active_contracts(None).await.unwrap(), 2);
        assert_eq!(store.count_active_contracts(Some(999)).await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn concurrent_creates_get_distinct_ids() {
    each_backend(async |app| {
        let body = minimal("Brand New Oy");
        let replies = futures::future::join_all((0..20).map(|_| create(app, &body))).await;
        let mut public_ids = Vec::new();
        for reply in &replies {
            assert_eq!(reply.status, 201, "{:?}", reply.body);
            public_ids.push(
                reply.body["the_contract_id"]
                    .as_str()
                    .expect("id")
                    .to_owned(),
            );
        }
        public_ids.sort();
        public_ids.dedup();
        assert_eq!(public_ids.len(), 20);

        let list = app
            .get("/api/v1/contracts?per_page=20", &app.admin_key)
            .await;
        let companies: Vec<&Value> = list.body["contracts"]
            .as_array()
            .expect("contracts")
            .iter()
            .map(|contract| &contract["client_company_name"])
            .collect();
        assert_eq!(companies.len(), 20);
        let first = read(app, replies[0].body["id"].as_i64().expect("id")).await;
        for reply in &replies {
            let contract = read(app, reply.body["id"].as_i64().expect("id")).await;
            assert_eq!(contract["client_company_id"], first["client_company_id"]);
        }
    })
    .await;
}

#[tokio::test]
async fn inquiry_list_counts_signed_contracts() {
    each_backend(async |app| {
        let (_, client_key) = app
            .user_with_key("buyer@acme.test", "client", Some("Acme"))
            .await;
        let (_, other_key) = app
            .user_with_key("buyer@other.test", "client", Some("Other"))
            .await;
        create_ok(app, &minimal("ACME")).await;
        create_ok(app, &minimal("Acme")).await;
        let (terminated, _) = create_ok(app, &minimal("acme")).await;
        create_ok(app, &minimal("Other")).await;
        let cancelled = app
            .post(
                &format!("/api/v1/contracts/id/{terminated}/cancel"),
                &app.admin_key,
                &json!({}),
            )
            .await;
        assert_eq!(cancelled.status, 200);

        let list = app.get("/api/public/inquiries", &client_key).await;
        assert_eq!(list.body["contracts_signed"], 2);
        let list = app.get("/api/public/inquiries", &other_key).await;
        assert_eq!(list.body["contracts_signed"], 1);
        let list = app.get("/api/public/inquiries", &app.admin_key).await;
        assert_eq!(list.body["contracts_signed"], 3);
    })
    .await;
}

#[tokio::test]
async fn impossible_public_ids_are_not_found() {
    each_backend(async |app| {
        for path in ["/api/v1/contracts/a%00b", "/api/v1/contracts/a%01b"] {
            let reply = app.get(path, &app.admin_key).await;
            assert_eq!(reply.status, 404, "{path}");
            let reply = app
                .post(
                    &format!("{path}/edit"),
                    &app.admin_key,
                    &json!({"notes": "x"}),
                )
                .await;
            assert_eq!(reply.status, 404, "{path}/edit");
            let reply = app
                .post(&format!("{path}/cancel"), &app.admin_key, &json!({}))
                .await;
            assert_eq!(reply.status, 404, "{path}/cancel");
        }
    })
    .await;
}
