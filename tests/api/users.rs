//! User endpoints: the published flow with the example bodies, company rules, and every cell
//! of the roles table.

use serde_json::json;

use crate::helpers::{TestApp, each_backend, fixture};

#[tokio::test]
async fn published_user_flow() {
    each_backend(async |app| {
        let me = app.get("/api/v1/user", &app.admin_key).await;
        assert_eq!(me.status, 200);
        assert_eq!(me.body["email"], "admin@localhost");
        assert_eq!(me.body["type"], "admin");
        assert_eq!(me.body["company"], json!(null));

        let created = app
            .post(
                "/api/v1/user/new",
                &app.admin_key,
                &fixture("create-user.json"),
            )
            .await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        assert_eq!(created.body["message"], "New user added");
        let id = created.body["id"].as_i64().expect("integer id");

        let key = app.key_for(id).await;
        let profile = app.profile(&key).await;
        assert_eq!(profile["email"], "alice@example.com");
        assert_eq!(profile["company"], "Example Oy");
        assert_eq!(profile["is_verified"], false);
        assert_eq!(profile["phone"], "+358401234567");

        let edited = app
            .post(
                &format!("/api/v1/user/{id}/edit"),
                &app.admin_key,
                &fixture("edit-user.json"),
            )
            .await;
        assert_eq!(edited.status, 200, "{:?}", edited.body);
        assert_eq!(edited.body["message"], "User updated successfully");
        let profile = app.profile(&key).await;
        assert_eq!(profile["name"], "Chaw Chaw");
        assert_eq!(profile["email"], "updated@example.com");
        assert_eq!(profile["company"], "Updated Oy");
        assert_ne!(profile["company_id"], json!(null));

        let deleted = app
            .post(
                &format!("/api/v1/user/{id}/soft-delete"),
                &app.admin_key,
                &json!({}),
            )
            .await;
        assert_eq!(deleted.status, 200);
        assert_eq!(
            deleted.body["message"],
            "Successfully soft deleted this user"
        );

        let locked_out = app.get("/api/v1/user", &key).await;
        assert_eq!(locked_out.status, 401);
        assert_eq!(locked_out.body, json!({"message": "Unauthenticated."}));

        let again = app
            .post(
                &format!("/api/v1/user/{id}/soft-delete"),
                &app.admin_key,
                &json!({}),
            )
            .await;
        assert_eq!(again.status, 404);
        let edit_deleted = app
            .post(
                &format!("/api/v1/user/{id}/edit"),
                &app.admin_key,
                &json!({"name": "X"}),
            )
            .await;
        assert_eq!(edit_deleted.status, 404);
    })
    .await;
}

#[tokio::test]
async fn public_profile_alias() {
    each_backend(async |app| {
        let reply = app.get("/api/public/user", &app.admin_key).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body["email"], "admin@localhost");
    })
    .await;
}

#[tokio::test]
async fn create_reports_every_problem() {
    each_backend(async |app| {
        let body = json!({"email": "not-an-email", "password": "short", "confirm_password": "other", "type": "boss"});
        let reply = app.post("/api/v1/user/new", &app.admin_key, &body).await;
        assert_eq!(reply.status, 422);
        let errors = &reply.body["errors"];
        assert!(errors["name"].is_array(), "{errors}");
        assert!(errors["email"].is_array(), "{errors}");
        assert!(errors["password"].is_array(), "{errors}");
        assert!(errors["type"].is_array(), "{errors}");
        assert_eq!(
            reply.body["message"],
            "The name field is required. (and 3 more errors)"
        );
    })
    .await;
}

#[tokio::test]
async fn duplicate_email_ignores_case() {
    each_backend(async |app| {
        app.create_user("bob@example.com", "client", Some("Acme"))
            .await;
        let mut body = fixture("create-user.json");
        body["email"] = json!("BOB@Example.com");
        let reply = app.post("/api/v1/user/new", &app.admin_key, &body).await;
        assert_eq!(reply.status, 422);
        assert_eq!(
            reply.body["errors"]["email"][0],
            "The email has already been taken."
        );
    })
    .await;
}

#[tokio::test]
async fn company_names_match_loosely() {
    each_backend(async |app| {
        let first = app
            .create_user("a@example.com", "client", Some("Example Oy"))
            .await;
        let second = app
            .create_user("b@example.com", "client", Some("  example   OY "))
            .await;
        let first_profile = app.profile(&app.key_for(first).await).await;
        let second_profile = app.profile(&app.key_for(second).await).await;
        assert_eq!(first_profile["company_id"], second_profile["company_id"]);
        assert_eq!(second_profile["company"], "Example Oy");
    })
    .await;
}

#[tokio::test]
async fn company_id_and_name_must_agree() {
    each_backend(async |app| {
        let (_, key) = app
            .user_with_key("a@example.com", "client", Some("Acme"))
            .await;
        let acme = app.profile(&key).await["company_id"].as_i64().unwrap();

        let mut body = fixture("create-user.json");
        body["company_id"] = json!(acme);
        body["company_name"] = json!("Other Oy");
        let reply = app.post("/api/v1/user/new", &app.admin_key, &body).await;
        assert_eq!(reply.status, 422);
        assert!(reply.body["errors"]["company_id"].is_array());
        assert!(reply.body["errors"]["company_name"].is_array());

        body["company_id"] = json!(999_999);
        body["company_name"] = json!("");
        let reply = app.post("/api/v1/user/new", &app.admin_key, &body).await;
        assert_eq!(reply.status, 422);
        assert!(reply.body["errors"]["company_id"].is_array());

        body["company_id"] = json!(acme);
        body["company_name"] = json!("ACME");
        let reply = app.post("/api/v1/user/new", &app.admin_key, &body).await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
    })
    .await;
}

/// A company with a client, a colleague, and an outsider elsewhere, plus a vendor.
struct Cast<'a> {
    app: &'a TestApp,
    client_id: i64,
    client_key: String,
    colleague_id: i64,
    outsider_id: i64,
    vendor_id: i64,
    vendor_key: String,
}

async fn cast(app: &TestApp) -> Cast<'_> {
    let (client_id, client_key) = app
        .user_with_key("client@acme.test", "client", Some("Acme"))
        .await;
    app.verify_user(client_id).await;
    let colleague_id = app
        .create_user("colleague@acme.test", "client", Some("Acme"))
        .await;
    let outsider_id = app
        .create_user("outsider@other.test", "client", Some("Other"))
        .await;
    let (vendor_id, vendor_key) = app
        .user_with_key("vendor@supply.test", "vendor", Some("Supply"))
        .await;
    app.verify_user(vendor_id).await;
    Cast {
        app,
        client_id,
        client_key,
        colleague_id,
        outsider_id,
        vendor_id,
        vendor_key,
    }
}

fn new_user_body(email: &str) -> serde_json::Value {
    json!({"name": "New", "email": email, "password": "password123", "confirm_password": "password123"})
}

#[tokio::test]
async fn roles_read_own_profile() {
    each_backend(async |app| {
        let cast = cast(app).await;
        assert_eq!(
            cast.app
                .get("/api/v1/user", &cast.app.admin_key)
                .await
                .status,
            200
        );
        assert_eq!(
            cast.app.profile(&cast.client_key).await["id"],
            cast.client_id
        );
        assert_eq!(
            cast.app.profile(&cast.vendor_key).await["id"],
            cast.vendor_id
        );
    })
    .await;
}

#[tokio::test]
async fn roles_create_user() {
    each_backend(async |app| {
        let cast = cast(app).await;
        let app = cast.app;

        // Admin: any type, any company.
        let mut body = new_user_body("new-admin@broker.test");
        body["type"] = json!("admin");
        body["company_name"] = json!("Anywhere");
        assert_eq!(
            app.post("/api/v1/user/new", &app.admin_key, &body)
                .await
                .status,
            201
        );

        // Client: a client of its own company, by default or by naming it.
        let reply = app
            .post(
                "/api/v1/user/new",
                &cast.client_key,
                &new_user_body("n1@acme.test"),
            )
            .await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        let key = app.key_for(reply.body["id"].as_i64().unwrap()).await;
        assert_eq!(app.profile(&key).await["company"], "Acme");
        let mut body = new_user_body("n2@acme.test");
        body["company_name"] = json!("acme");
        assert_eq!(
            app.post("/api/v1/user/new", &cast.client_key, &body)
                .await
                .status,
            201
        );

        // Client: another company, another type or is_verified are forbidden.
        let mut body = new_user_body("n3@acme.test");
        body["company_name"] = json!("Other");
        assert_eq!(
            app.post("/api/v1/user/new", &cast.client_key, &body)
                .await
                .status,
            403
        );
        let mut body = new_user_body("n4@acme.test");
        body["type"] = json!("admin");
        assert_eq!(
            app.post("/api/v1/user/new", &cast.client_key, &body)
                .await
                .status,
            403
        );
        let mut body = new_user_body("n5@acme.test");
        body["type"] = json!("vendor");
        assert_eq!(
            app.post("/api/v1/user/new", &cast.client_key, &body)
                .await
                .status,
            403
        );
        let mut body = new_user_body("n6@acme.test");
        body["is_verified"] = json!(true);
        assert_eq!(
            app.post("/api/v1/user/new", &cast.client_key, &body)
                .await
                .status,
            403
        );

        // Client without a company: no.
        let (_, loner_key) = app
            .user_with_key("loner@nowhere.test", "client", None)
            .await;
        let reply = app
            .post(
                "/api/v1/user/new",
                &loner_key,
                &new_user_body("n7@acme.test"),
            )
            .await;
        assert_eq!(reply.status, 403);
        assert_eq!(
            reply.body,
            json!({"message": "This action is unauthorized."})
        );

        // Vendor: no.
        let reply = app
            .post(
                "/api/v1/user/new",
                &cast.vendor_key,
                &new_user_body("n8@acme.test"),
            )
            .await;
        assert_eq!(reply.status, 403);
    })
    .await;
}

#[tokio::test]
async fn roles_edit_user() {
    each_backend(async |app| {
        let cast = cast(app).await;
        let app = cast.app;
        let edit = |id: i64| format!("/api/v1/user/{id}/edit");

        // Admin: anyone, any field.
        let reply = app
            .post(
                &edit(cast.outsider_id),
                &app.admin_key,
                &json!({"type": "vendor", "is_verified": true}),
            )
            .await;
        assert_eq!(reply.status, 200);

        // Client: self and client colleagues.
        assert_eq!(
            app.post(
                &edit(cast.client_id),
                &cast.client_key,
                &json!({"name": "Me"})
            )
            .await
            .status,
            200
        );
        assert_eq!(
            app.post(
                &edit(cast.colleague_id),
                &cast.client_key,
                &json!({"phone": "123"})
            )
            .await
            .status,
            200
        );
        // Client: another company's user does not exist for it.
        assert_eq!(
            app.post(
                &edit(cast.outsider_id),
                &cast.client_key,
                &json!({"name": "X"})
            )
            .await
            .status,
            404
        );
        // Client: may not grant admin, change a type or company, or set is_verified.
        for body in [
            json!({"type": "admin"}),
            json!({"type": "vendor"}),
            json!({"is_verified": true}),
            json!({"company": {"name": "Elsewhere"}}),
            json!({"company": null}),
        ] {
            let reply = app
                .post(&edit(cast.colleague_id), &cast.client_key, &body)
                .await;
            assert_eq!(reply.status, 403, "{body}");
        }
        // Naming the same company or type is no change, and allowed.
        let same = json!({"type": "client", "company": {"name": "ACME"}});
        assert_eq!(
            app.post(&edit(cast.client_id), &cast.client_key, &same)
                .await
                .status,
            200
        );

        // Vendor: self only, same limits.
        assert_eq!(
            app.post(
                &edit(cast.vendor_id),
                &cast.vendor_key,
                &json!({"name": "V"})
            )
            .await
            .status,
            200
        );
        assert_eq!(
            app.post(
                &edit(cast.client_id),
                &cast.vendor_key,
                &json!({"name": "V"})
            )
            .await
            .status,
            403
        );
        assert_eq!(
            app.post(
                &edit(cast.vendor_id),
                &cast.vendor_key,
                &json!({"type": "admin"})
            )
            .await
            .status,
            403
        );
        assert_eq!(
            app.post(
                &edit(cast.vendor_id),
                &cast.vendor_key,
                &json!({"is_verified": false})
            )
            .await
            .status,
            403
        );
    })
    .await;
}

#[tokio::test]
async fn roles_soft_delete_user() {
    each_backend(async |app| {
        let cast = cast(app).await;
        let app = cast.app;
        let delete = |id: i64| format!("/api/v1/user/{id}/soft-delete");
        let empty = json!({});

        // Vendor: no.
        assert_eq!(
            app.post(&delete(cast.colleague_id), &cast.vendor_key, &empty)
                .await
                .status,
            403
        );
        // Client: not self, not another company's user.
        assert_eq!(
            app.post(&delete(cast.client_id), &cast.client_key, &empty)
                .await
                .status,
            403
        );
        assert_eq!(
            app.post(&delete(cast.outsider_id), &cast.client_key, &empty)
                .await
                .status,
            404
        );
        // Client: a client colleague.
        assert_eq!(
            app.post(&delete(cast.colleague_id), &cast.client_key, &empty)
                .await
                .status,
            200
        );

        // An unverified client may not.
        let (_, unverified_key) = app
            .user_with_key("unverified@acme.test", "client", Some("Acme"))
            .await;
        let target = app
            .create_user("target@acme.test", "client", Some("Acme"))
            .await;
        assert_eq!(
            app.post(&delete(target), &unverified_key, &empty)
                .await
                .status,
            403
        );

        // Admin: anyone but self.
        let admin_id = app.profile(&app.admin_key).await["id"].as_i64().unwrap();
        assert_eq!(
            app.post(&delete(admin_id), &app.admin_key, &empty)
                .await
                .status,
            403
        );
        assert_eq!(
            app.post(&delete(cast.outsider_id), &app.admin_key, &empty)
                .await
                .status,
            200
        );
    })
    .await;
}

#[tokio::test]
async fn last_admin_cannot_be_demoted() {
    each_backend(async |app| {
        let admin_id = app.profile(&app.admin_key).await["id"].as_i64().unwrap();
        let reply = app
            .post(
                &format!("/api/v1/user/{admin_id}/edit"),
                &app.admin_key,
                &json!({"type": "client"}),
            )
            .await;
        assert_eq!(reply.status, 422);
        assert!(reply.body["errors"]["type"].is_array());

        // With a second admin, the first may step down.
        app.create_user("second@broker.test", "admin", None).await;
        let reply = app
            .post(
                &format!("/api/v1/user/{admin_id}/edit"),
                &app.admin_key,
                &json!({"type": "client"}),
            )
            .await;
        assert_eq!(reply.status, 200);
    })
    .await;
}

#[tokio::test]
async fn edit_keeps_omitted_fields() {
    each_backend(async |app| {
        let (id, key) = app
            .user_with_key("keep@example.com", "client", Some("Keep Oy"))
            .await;
        let before = app.profile(&key).await;
        let reply = app
            .post(
                &format!("/api/v1/user/{id}/edit"),
                &key,
                &json!({"phone": "555"}),
            )
            .await;
        assert_eq!(reply.status, 200);
        let after = app.profile(&key).await;
        assert_eq!(after["phone"], "555");
        assert_eq!(after["name"], before["name"]);
        assert_eq!(after["company_id"], before["company_id"]);

        let reply = app
            .post(
                &format!("/api/v1/user/{id}/edit"),
                &key,
                &json!({"phone": null}),
            )
            .await;
        assert_eq!(reply.status, 200);
        assert_eq!(app.profile(&key).await["phone"], json!(null));
    })
    .await;
}

#[tokio::test]
async fn bad_path_ids_are_not_found() {
    each_backend(async |app| {
        for id in ["abc", "0", "-1", "99999999999999999999", "1.5"] {
            let reply = app
                .post(
                    &format!("/api/v1/user/{id}/edit"),
                    &app.admin_key,
                    &json!({"name": "X"}),
                )
                .await;
            assert_eq!(reply.status, 404, "id {id}");
            assert_eq!(reply.body, json!({"message": "Not found."}));
        }
    })
    .await;
}
