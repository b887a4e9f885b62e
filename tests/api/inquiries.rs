//! Inquiry and position endpoints: the published flow with the example bodies, the lifecycle,
//! company isolation, list filters and pagination, and concurrent position adds.

use peoplecloud::domain::inquiry::search_text;
use peoplecloud::domain::time::now;
use peoplecloud::store::inquiries::NewInquiryRow;
use serde_json::{Value, json};

use crate::helpers::{TestApp, each_backend, fixture};

/// Creates an inquiry from the published example body as the holder of `key`; returns its id.
async fn create_example_inquiry(app: &TestApp, key: &str) -> i64 {
    let reply = app
        .post(
            "/api/public/inquiry/new",
            key,
            &fixture("create-inquiry.json"),
        )
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    reply.body["inquiry_id"]
        .as_i64()
        .expect("integer inquiry_id")
}

/// Adds the published example position; returns its id.
async fn add_example_position(app: &TestApp, key: &str, inquiry_id: i64) -> i64 {
    let reply = app
        .post(
            &format!("/api/public/inquiry/{inquiry_id}/position/new"),
            key,
            &fixture("add-position.json"),
        )
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    reply.body["position_id"]
        .as_i64()
        .expect("integer position_id")
}

fn positions_of(body: &Value) -> &Vec<Value> {
    body.as_array().expect("bare array of positions")
}

#[tokio::test]
async fn published_inquiry_flow() {
    each_backend(async |app| {
        let (_, key) = app
            .user_with_key("aino@client.example", "client", Some("Client Oy"))
            .await;

        let created = app
            .post(
                "/api/public/inquiry/new",
                &key,
                &fixture("create-inquiry.json"),
            )
            .await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        assert_eq!(created.body["status"], "draft");
        let inquiry_id = created.body["inquiry_id"].as_i64().expect("integer id");

        let list = app.get("/api/public/inquiries", &key).await;
        assert_eq!(list.status, 200, "{:?}", list.body);
        assert_eq!(list.body["inquiries_total"], 1);
        assert_eq!(list.body["total"], 1);
        assert_eq!(list.body["search_progress"], 0);
        assert_eq!(list.body["contracts_signed"], 0);
        assert_eq!(list.body["group_name"], "@client.example");
        assert_eq!(list.body["current_page"], 1);
        assert_eq!(list.body["last_page"], 1);
        let order = &list.body["orders"][0];
        assert_eq!(order["id"], inquiry_id);
        assert_eq!(order["title"], "Full");
        assert_eq!(order["description"], "<div>Nice</div>");
        assert_eq!(order["industry"]["name"], "Software");
        assert_eq!(order["stage"], "draft");
        assert_eq!(order["job_start"], "2025-11-01 16:30:00");
        assert_eq!(order["job_end"], "2025-11-30 16:00:00");

        let position_id = add_example_position(app, &key, inquiry_id).await;

        let positions = app
            .get(&format!("/api/public/inquiry/{inquiry_id}/positions"), &key)
            .await;
        assert_eq!(positions.status, 200, "{:?}", positions.body);
        let items = positions_of(&positions.body);
        assert_eq!(items.len(), 2);
        let added = &items[1];
        assert_eq!(added["id"], position_id);
        assert_eq!(added["counter"], 2);
        assert_eq!(added["order_id"], inquiry_id);
        assert_eq!(added["title"], "Cloud Engineer");
        assert_eq!(added["allocation"], 10);
        assert_eq!(added["budget"], "5000");
        assert_eq!(added["type"], json!(["external"]));
        assert_eq!(added["job_start"], "2025-11-01 16:30:00");
        assert_eq!(added["job_end"], "2025-11-30 16:00:00");
        assert_eq!(added["is_video_required"], false);
        // The body sends `searching`, but a new position takes its inquiry's stage.
        assert_eq!(added["stage"], "draft");
        assert_eq!(
            added["order_need_reqs"],
            json!([{"name": "programming", "importance": 3}])
        );
        assert_eq!(items[0]["counter"], 1);
        assert_eq!(items[0]["description"], "<div>fx</div>");

        let paged = app
            .get(
                &format!("/api/public/inquiry/{inquiry_id}/positions?per_page=1&page=2"),
                &key,
            )
            .await;
        assert_eq!(paged.status, 200, "{:?}", paged.body);
        assert_eq!(paged.body["total"], 2);
        assert_eq!(paged.body["per_page"], 1);
        assert_eq!(paged.body["current_page"], 2);
        assert_eq!(paged.body["last_page"], 2);
        assert_eq!(paged.body["from"], 2);
        assert_eq!(paged.body["to"], 2);
        assert_eq!(paged.body["data"][0]["id"], position_id);
        assert_eq!(paged.body["data"][0]["allocation"], 10);
        assert_eq!(paged.body["data"][0]["budget"], "5000");
        assert_eq!(paged.body["data"][0]["type"], json!(["external"]));
        assert_eq!(paged.body["data"][0]["job_start"], "2025-11-01 16:30:00");
        assert_eq!(paged.body["next_page_url"], json!(null));
        let path = format!("{}/api/public/inquiry/{inquiry_id}/positions", app.base_url);
        assert_eq!(paged.body["path"], path);
        assert_eq!(
            paged.body["prev_page_url"],
            format!("{path}?page=1&per_page=1")
        );
        assert_eq!(
            paged.body["first_page_url"],
            format!("{path}?page=1&per_page=1")
        );
        assert_eq!(
            paged.body["last_page_url"],
            format!("{path}?page=2&per_page=1")
        );

        let cancelled_position = app
            .post(
                &format!("/api/public/inquiry/{inquiry_id}/position/{position_id}/cancel"),
                &key,
                &json!({}),
            )
            .await;
        assert_eq!(
            cancelled_position.status, 200,
            "{:?}",
            cancelled_position.body
        );
        assert_eq!(
            cancelled_position.body["message"],
            "Position successfully canceled"
        );

        let cancelled = app
            .post(
                &format!("/api/public/inquiry/{inquiry_id}/cancel"),
                &key,
                &json!({}),
            )
            .await;
        assert_eq!(cancelled.status, 200, "{:?}", cancelled.body);
        assert_eq!(cancelled.body["message"], "Inquiry successfully cancelled");

        let positions = app
            .get(&format!("/api/public/inquiry/{inquiry_id}/positions"), &key)
            .await;
        for position in positions_of(&positions.body) {
            assert_eq!(position["stage"], "cancelled", "{position}");
        }
        let inquiry = app
            .get(&format!("/api/public/inquiry/{inquiry_id}"), &key)
            .await;
        assert_eq!(inquiry.status, 200, "{:?}", inquiry.body);
        assert_eq!(inquiry.body["stage"], "cancelled");
        assert_eq!(inquiry.body["job_start"], json!(null));
        assert_eq!(
            inquiry.body["main_contact"],
            "Aino Client (aino@example.com, +358 40 0000001)"
        );
        assert_eq!(inquiry.body["positions"].as_array().map(Vec::len), Some(2));

        let again = app
            .post(
                &format!("/api/public/inquiry/{inquiry_id}/cancel"),
                &key,
                &json!({}),
            )
            .await;
        assert_eq!(again.status, 409, "{:?}", again.body);
        assert_eq!(
            again.body["message"],
            "Inquiry cannot be cancelled in stage cancelled."
        );
        let late_position = app
            .post(
                &format!("/api/public/inquiry/{inquiry_id}/position/new"),
                &key,
                &fixture("add-position.json"),
            )
            .await;
        assert_eq!(late_position.status, 409, "{:?}", late_position.body);
        let first_position = inquiry.body["positions"][0]["id"].as_i64().expect("id");
        let late_cancel = app
            .post(
                &format!("/api/public/inquiry/{inquiry_id}/position/{first_position}/cancel"),
                &key,
                &json!({}),
            )
            .await;
        assert_eq!(late_cancel.status, 409, "{:?}", late_cancel.body);
        assert_eq!(
            late_cancel.body["message"],
            "Position cannot be cancelled while its inquiry is in stage cancelled."
        );
    })
    .await;
}

#[tokio::test]
async fn submit_and_advance_stages() {
    each_backend(async |app| {
        let (_, key) = app
            .user_with_key("aino@client.example", "client", Some("Client Oy"))
            .await;
        let first = create_example_inquiry(app, &key).await;
        let second = create_example_inquiry(app, &key).await;
        add_example_position(app, &key, second).await;

        let submitted = app
            .post(
                &format!("/api/public/inquiry/{second}/submit"),
                &key,
                &json!({}),
            )
            .await;
        assert_eq!(submitted.status, 200, "{:?}", submitted.body);
        assert_eq!(submitted.body["message"], "Inquiry successfully submitted");

        let inquiry = app
            .get(&format!("/api/public/inquiry/{second}"), &key)
            .await;
        assert_eq!(inquiry.body["stage"], "pending");
        assert!(
            inquiry.body["submitted_at"].is_string(),
            "{:?}",
            inquiry.body
        );
        for position in inquiry.body["positions"].as_array().expect("positions") {
            assert_eq!(position["stage"], "pending");
            let submitted_at = position["submitted_at"].as_str().expect("submitted_at");
            assert_eq!(
                submitted_at.len(),
                "2025-11-18T15:49:35".len(),
                "{submitted_at}"
            );
        }

        let resubmitted = app
            .post(
                &format!("/api/public/inquiry/{second}/submit"),
                &key,
                &json!({}),
            )
            .await;
        assert_eq!(resubmitted.status, 409);
        assert_eq!(
            resubmitted.body["message"],
            "Inquiry cannot be submitted in stage pending."
        );

        let by_client = app
            .post(
                &format!("/api/public/inquiry/{second}/stage"),
                &key,
                &json!({"stage": "searching"}),
            )
            .await;
        assert_eq!(by_client.status, 403);

        let advanced = app
            .post(
                &format!("/api/public/inquiry/{second}/stage"),
                &app.admin_key,
                &json!({"stage": "searching"}),
            )
            .await;
        assert_eq!(advanced.status, 200, "{:?}", advanced.body);
        assert_eq!(advanced.body["message"], "Inquiry stage updated");

        let list = app.get("/api/public/inquiries", &key).await;
        assert_eq!(list.body["inquiries_total"], 2);
        assert_eq!(list.body["search_progress"], 1);
        let searching = app.get("/api/public/inquiries?stage=searching", &key).await;
        assert_eq!(searching.body["total"], 1);
        assert_eq!(searching.body["orders"][0]["id"], second);

        let added = add_example_position(app, &key, second).await;
        let positions = app
            .get(&format!("/api/public/inquiry/{second}/positions"), &key)
            .await;
        for position in positions_of(&positions.body) {
            assert_eq!(position["stage"], "searching", "{position}");
        }
        assert!(
            positions_of(&positions.body)
                .iter()
                .any(|position| position["id"] == added)
        );

        let repeated = app
            .post(
                &format!("/api/public/inquiry/{second}/stage"),
                &app.admin_key,
                &json!({"stage": "searching"}),
            )
            .await;
        assert_eq!(repeated.status, 409, "{:?}", repeated.body);
        let done = app
            .post(
                &format!("/api/public/inquiry/{second}/stage"),
                &app.admin_key,
                &json!({"stage": "done"}),
            )
            .await;
        assert_eq!(done.status, 200, "{:?}", done.body);
        let back = app
            .post(
                &format!("/api/public/inquiry/{second}/stage"),
                &app.admin_key,
                &json!({"stage": "searching"}),
            )
            .await;
        assert_eq!(back.status, 409, "{:?}", back.body);
        assert!(
            back.body["message"]
                .as_str()
                .is_some_and(|message| message.contains("stage done")),
            "{:?}",
            back.body
        );
        let unknown = app
            .post(
                &format!("/api/public/inquiry/{first}/stage"),
                &app.admin_key,
                &json!({"stage": "pending"}),
            )
            .await;
        assert_eq!(unknown.status, 422, "{:?}", unknown.body);
        let cancel_done = app
            .post(
                &format!("/api/public/inquiry/{second}/cancel"),
                &key,
                &json!({}),
            )
            .await;
        assert_eq!(cancel_done.status, 409);
        assert_eq!(
            cancel_done.body["message"],
            "Inquiry cannot be cancelled in stage done."
        );

        let open = app.get("/api/public/inquiries?stage=open", &key).await;
        assert_eq!(open.body["total"], 1);
        assert_eq!(open.body["orders"][0]["id"], first);
    })
    .await;
}

#[tokio::test]
async fn companies_are_isolated() {
    each_backend(async |app| {
        let (_, owner_key) = app
            .user_with_key("aino@a.example", "client", Some("Company A"))
            .await;
        let (_, colleague_key) = app
            .user_with_key("bea@a.example", "client", Some("Company A"))
            .await;
        let (_, outsider_key) = app
            .user_with_key("carl@b.example", "client", Some("Company B"))
            .await;
        let (_, vendor_key) = app
            .user_with_key("vera@v.example", "vendor", Some("Vendor Oy"))
            .await;

        let inquiry_id = create_example_inquiry(app, &owner_key).await;
        let position_id = add_example_position(app, &owner_key, inquiry_id).await;
        create_example_inquiry(app, &outsider_key).await;

        let reads = [
            format!("/api/public/inquiry/{inquiry_id}"),
            format!("/api/public/inquiry/{inquiry_id}/positions"),
            format!("/api/public/inquiry/{inquiry_id}/positions?page=1"),
        ];
        let writes = [
            format!("/api/public/inquiry/{inquiry_id}/submit"),
            format!("/api/public/inquiry/{inquiry_id}/cancel"),
            format!("/api/public/inquiry/{inquiry_id}/position/{position_id}/cancel"),
        ];
        let add = format!("/api/public/inquiry/{inquiry_id}/position/new");

        for path in &reads {
            assert_eq!(app.get(path, &outsider_key).await.status, 404, "{path}");
            assert_eq!(app.get(path, &vendor_key).await.status, 403, "{path}");
        }
        for path in &writes {
            let reply = app.post(path, &outsider_key, &json!({})).await;
            assert_eq!(reply.status, 404, "{path}");
            let reply = app.post(path, &vendor_key, &json!({})).await;
            assert_eq!(reply.status, 403, "{path}");
        }
        let added = app
            .post(&add, &outsider_key, &fixture("add-position.json"))
            .await;
        assert_eq!(added.status, 404);
        let added = app
            .post(&add, &vendor_key, &fixture("add-position.json"))
            .await;
        assert_eq!(added.status, 403);
        let vendor_list = app.get("/api/public/inquiries", &vendor_key).await;
        assert_eq!(vendor_list.status, 403);
        let vendor_create = app
            .post(
                "/api/public/inquiry/new",
                &vendor_key,
                &fixture("create-inquiry.json"),
            )
            .await;
        assert_eq!(vendor_create.status, 403);

        let outsider_list = app.get("/api/public/inquiries", &outsider_key).await;
        assert_eq!(outsider_list.body["inquiries_total"], 1);
        let outsider_ids: Vec<&Value> = outsider_list.body["orders"]
            .as_array()
            .expect("orders")
            .iter()
            .map(|order| &order["id"])
            .collect();
        assert!(!outsider_ids.contains(&&json!(inquiry_id)));

        // Nothing the outsider tried changed the inquiry.
        let unchanged = app
            .get(&format!("/api/public/inquiry/{inquiry_id}"), &owner_key)
            .await;
        assert_eq!(unchanged.body["stage"], "draft");
        assert_eq!(
            unchanged.body["positions"].as_array().map(Vec::len),
            Some(2)
        );

        // A colleague in the same company reads, lists, adds to and cancels it.
        let colleague_list = app.get("/api/public/inquiries", &colleague_key).await;
        assert_eq!(colleague_list.body["inquiries_total"], 1);
        assert_eq!(colleague_list.body["orders"][0]["id"], inquiry_id);
        for path in &reads {
            assert_eq!(app.get(path, &colleague_key).await.status, 200, "{path}");
        }
        add_example_position(app, &colleague_key, inquiry_id).await;
        let cancelled = app
            .post(
                &format!("/api/public/inquiry/{inquiry_id}/position/{position_id}/cancel"),
                &colleague_key,
                &json!({}),
            )
            .await;
        assert_eq!(cancelled.status, 200, "{:?}", cancelled.body);
        let submitted = app
            .post(
                &format!("/api/public/inquiry/{inquiry_id}/submit"),
                &colleague_key,
                &json!({}),
            )
            .await;
        assert_eq!(submitted.status, 200, "{:?}", submitted.body);

        // A client may not create an inquiry for another company.
        let company_b = app.profile(&outsider_key).await["company_id"].clone();
        let mut foreign = fixture("create-inquiry.json");
        foreign["company_id"] = company_b.clone();
        let reply = app
            .post("/api/public/inquiry/new", &owner_key, &foreign)
            .await;
        assert_eq!(reply.status, 403, "{:?}", reply.body);

        // An admin may, and that company's clients then see it.
        let reply = app
            .post("/api/public/inquiry/new", &app.admin_key, &foreign)
            .await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        let for_b = reply.body["inquiry_id"].as_i64().expect("id");
        let read_by_b = app
            .get(&format!("/api/public/inquiry/{for_b}"), &outsider_key)
            .await;
        assert_eq!(read_by_b.status, 200);
        assert_eq!(read_by_b.body["company_id"], company_b);
        let read_by_a = app
            .get(&format!("/api/public/inquiry/{for_b}"), &owner_key)
            .await;
        assert_eq!(read_by_a.status, 404);

        // Admins see every company's inquiries.
        let admin_list = app.get("/api/public/inquiries", &app.admin_key).await;
        assert_eq!(admin_list.body["inquiries_total"], 3);
        let admin_read = app
            .get(&format!("/api/public/inquiry/{inquiry_id}"), &app.admin_key)
            .await;
        assert_eq!(admin_read.status, 200);
    })
    .await;
}

#[tokio::test]
async fn ten_thousand_inquiries_paginate() {
    each_backend(async |app| {
        let (user_id, key) = app
            .user_with_key("aino@client.example", "client", Some("Client Oy"))
            .await;
        let company_id = app.profile(&key).await["company_id"]
            .as_i64()
            .expect("company id");

        let created_at = now();
        let rows: Vec<NewInquiryRow> = (0..10_000)
            .map(|number| {
                let title = format!("Inquiry {number:05}");
                NewInquiryRow {
                    search_text: search_text(&title, None),
                    title,
                    description: None,
                    industry_name: "Software".to_owned(),
                    industry_key: "software".to_owned(),
                    main_contact: None,
                    company_id: Some(company_id),
                    owner_id: user_id,
                    positions: Vec::new(),
                    created_at,
                }
            })
            .collect();
        app.store()
            .create_inquiries(&rows)
            .await
            .expect("bulk insert");

        let page = app
            .get(
                "/api/public/inquiries?per_page=100&page=37&sort=title",
                &key,
            )
            .await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        assert_eq!(page.body["total"], 10_000);
        assert_eq!(page.body["inquiries_total"], 10_000);
        assert_eq!(page.body["per_page"], 100);
        assert_eq!(page.body["last_page"], 100);
        assert_eq!(page.body["from"], 3601);
        assert_eq!(page.body["to"], 3700);
        let orders = page.body["orders"].as_array().expect("orders");
        assert_eq!(orders.len(), 100);
        assert_eq!(orders[0]["title"], "Inquiry 03600");
        assert_eq!(orders[99]["title"], "Inquiry 03699");

        let past_end = app
            .get("/api/public/inquiries?per_page=100&page=101", &key)
            .await;
        assert_eq!(past_end.body["orders"], json!([]));
        assert_eq!(past_end.body["from"], json!(null));
        assert_eq!(past_end.body["to"], json!(null));

        let searched = app
            .get("/api/public/inquiries?q=inquiry%2009999", &key)
            .await;
        assert_eq!(searched.body["total"], 1);
    })
    .await;
}

#[tokio::test]
async fn invalid_input_names_field() {
    each_backend(async |app| {
        let (_, key) = app
            .user_with_key("aino@client.example", "client", Some("Client Oy"))
            .await;
        let mut body = fixture("create-inquiry.json");
        body["hires"][0]["job_start"] = json!("1.11.2025");
        body["hires"][0]["allocation"] = json!("150%");
        body["hires"][0]["order_need_reqs"][0]["importance"] = json!(7);
        body["industry"] = json!({});
        let reply = app.post("/api/public/inquiry/new", &key, &body).await;
        assert_eq!(reply.status, 422, "{:?}", reply.body);
        let errors = &reply.body["errors"];
        let job_start = errors["hires.0.job_start"][0]
            .as_str()
            .expect("job_start problem");
        assert!(job_start.contains("YYYY-MM-DD HH:MM:SS"), "{job_start}");
        assert!(errors["hires.0.allocation"].is_array(), "{errors}");
        assert!(
            errors["hires.0.order_need_reqs.0.importance"].is_array(),
            "{errors}"
        );
        assert!(errors["industry.name"].is_array(), "{errors}");

        let mut empty = fixture("create-inquiry.json");
        empty["hires"] = json!([]);
        let reply = app.post("/api/public/inquiry/new", &key, &empty).await;
        assert_eq!(reply.status, 422);
        assert!(reply.body["errors"]["hires"].is_array());

        for query in [
            "stage=bogus",
            "sort=-price",
            "is_remote_work=maybe",
            "per_page=0",
            "per_page=101",
            "page=abc",
        ] {
            let reply = app
                .get(&format!("/api/public/inquiries?{query}"), &key)
                .await;
            assert_eq!(reply.status, 422, "{query}: {:?}", reply.body);
        }
        let inquiry_id = create_example_inquiry(app, &key).await;
        let reply = app
            .get(
                &format!("/api/public/inquiry/{inquiry_id}/positions?sort=salary"),
                &key,
            )
            .await;
        assert_eq!(reply.status, 422);
        for bad_id in ["abc", "0", "-1", "99999999999999999999", "12345"] {
            let reply = app
                .get(&format!("/api/public/inquiry/{bad_id}"), &key)
                .await;
            assert_eq!(reply.status, 404, "{bad_id}");
        }
    })
    .await;
}

#[tokio::test]
async fn list_filters_and_sorts() {
    each_backend(async |app| {
        let (_, key) = app
            .user_with_key("aino@client.example", "client", Some("Client Oy"))
            .await;
        let plain = create_example_inquiry(app, &key).await;

        let mut special = fixture("create-inquiry.json");
        special["title"] = json!("Alpha 50% off_sale");
        special["description"] = json!("<p>Needs <b>Kubernetes</b> &amp; Rust</p>");
        special["industry"] = json!({"name": "  FINANCE "});
        special["hires"][0]["experience_level"] = json!("Senior");
        special["hires"][0]["location"] = json!("Helsinki");
        special["hires"][0]["is_remote_work"] = json!("partly");
        special["hires"][0]["language_reqs"] = json!("English");
        special["hires"][0]["job_start"] = json!("2026-01-05");
        special["hires"][0]["job_end"] = json!("2026-03-01 12:00:00");
        let reply = app.post("/api/public/inquiry/new", &key, &special).await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        let special_id = reply.body["inquiry_id"].as_i64().expect("id");

        let cases = [
            ("q=50%25", special_id),
            ("q=OFF_SALE", special_id),
            ("q=kubernetes%20%26%20rust", special_id),
            ("industry=finance", special_id),
            ("industry=software", plain),
            ("experience_level=senior", special_id),
            ("location=HELSINKI", special_id),
            ("is_remote_work=partly", special_id),
            ("language_reqs=fin", plain),
        ];
        for (query, expected) in cases {
            let reply = app
                .get(&format!("/api/public/inquiries?{query}"), &key)
                .await;
            assert_eq!(reply.status, 200, "{query}: {:?}", reply.body);
            assert_eq!(reply.body["total"], 1, "{query}: {:?}", reply.body);
            assert_eq!(reply.body["orders"][0]["id"], expected, "{query}");
            assert_eq!(reply.body["inquiries_total"], 2, "{query}");
        }
        let nothing = app.get("/api/public/inquiries?q=5_%25", &key).await;
        assert_eq!(nothing.body["total"], 0);

        let by_title = app.get("/api/public/inquiries?sort=title", &key).await;
        assert_eq!(by_title.body["orders"][0]["id"], special_id);
        let by_start = app.get("/api/public/inquiries?sort=-job_start", &key).await;
        assert_eq!(by_start.body["orders"][0]["id"], special_id);
        let newest = app.get("/api/public/inquiries", &key).await;
        assert_eq!(newest.body["orders"][0]["id"], special_id);
        let oldest = app.get("/api/public/inquiries?sort=created_at", &key).await;
        assert_eq!(oldest.body["orders"][0]["id"], plain);

        add_example_position(app, &key, plain).await;
        let titled = app
            .get(
                &format!("/api/public/inquiry/{plain}/positions?title=CLOUD"),
                &key,
            )
            .await;
        assert_eq!(positions_of(&titled.body).len(), 1);
        assert_eq!(titled.body[0]["title"], "Cloud Engineer");
        let reversed = app
            .get(
                &format!("/api/public/inquiry/{plain}/positions?sort=-counter"),
                &key,
            )
            .await;
        assert_eq!(reversed.body[0]["counter"], 2);
    })
    .await;
}

#[tokio::test]
async fn descriptions_are_sanitised() {
    each_backend(async |app| {
        let (_, key) = app
            .user_with_key("aino@client.example", "client", Some("Client Oy"))
            .await;
        let mut body = fixture("create-inquiry.json");
        body["description"] = json!(
            "<p onmouseover=\"steal()\">Hello <strong>there</strong><script>alert(1)</script>\
             <a href=\"javascript:alert(1)\">link</a></p>"
        );
        let reply = app.post("/api/public/inquiry/new", &key, &body).await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        let id = reply.body["inquiry_id"].as_i64().expect("id");

        let inquiry = app.get(&format!("/api/public/inquiry/{id}"), &key).await;
        let description = inquiry.body["description"].as_str().expect("description");
        assert!(
            description.contains("<strong>there</strong>"),
            "{description}"
        );
        assert!(!description.contains("script"), "{description}");
        assert!(!description.contains("onmouseover"), "{description}");
        assert!(!description.contains("javascript:"), "{description}");
    })
    .await;
}

#[tokio::test]
async fn concurrent_adds_get_unique_counters() {
    each_backend(async |app| {
        let (_, key) = app
            .user_with_key("aino@client.example", "client", Some("Client Oy"))
            .await;
        let inquiry_id = create_example_inquiry(app, &key).await;

        let adds = (0..20).map(|_| add_example_position(app, &key, inquiry_id));
        futures::future::join_all(adds).await;

        let positions = app
            .get(&format!("/api/public/inquiry/{inquiry_id}/positions"), &key)
            .await;
        let mut counters: Vec<i64> = positions_of(&positions.body)
            .iter()
            .map(|position| position["counter"].as_i64().expect("counter"))
            .collect();
        counters.sort_unstable();
        assert_eq!(counters, (1..=21).collect::<Vec<i64>>());
    })
    .await;
}

#[tokio::test]
async fn concurrent_cancels_one_wins() {
    each_backend(async |app| {
        let (_, key) = app
            .user_with_key("aino@client.example", "client", Some("Client Oy"))
            .await;
        let inquiry_id = create_example_inquiry(app, &key).await;
        let path = format!("/api/public/inquiry/{inquiry_id}/cancel");

        let empty = json!({});
        let cancels = (0..8).map(|_| app.post(&path, &key, &empty));
        let replies = futures::future::join_all(cancels).await;

        let succeeded = replies.iter().filter(|reply| reply.status == 200).count();
        let conflicts = replies.iter().filter(|reply| reply.status == 409).count();
        assert_eq!(succeeded, 1, "{replies:?}");
        assert_eq!(conflicts, 7, "{replies:?}");
    })
    .await;
}

#[tokio::test]
async fn racing_moves_and_cancels_never_fail() {
    each_backend(async |app| {
        let (_, key) = app
            .user_with_key("racer@acme.test", "client", Some("Acme"))
            .await;
        let empty = json!({});
        let done = json!({"stage": "done"});
        for round in 0..5 {
            let id = create_example_inquiry(app, &key).await;
            let mut cancels = Vec::new();
            for _ in 0..3 {
                let position_id = add_example_position(app, &key, id).await;
                cancels.push(format!(
                    "/api/public/inquiry/{id}/position/{position_id}/cancel"
                ));
            }
            // Even rounds race a client's submit, odd rounds an admin's stage move.
            let (move_path, move_key, move_body) = if round % 2 == 0 {
                (format!("/api/public/inquiry/{id}/submit"), &key, &empty)
            } else {
                (
                    format!("/api/public/inquiry/{id}/stage"),
                    &app.admin_key,
                    &done,
                )
            };
            let mut requests = vec![app.post(&move_path, move_key, move_body)];
            for path in &cancels {
                requests.push(app.post(path, &key, &empty));
            }
            for reply in futures::future::join_all(requests).await {
                assert!(
                    reply.status < 500,
                    "round {round}: {} {:?}",
                    reply.status,
                    reply.body
                );
            }
        }
    })
    .await;
}
