//! The served OpenAPI document: a snapshot of the whole, and an entry for every route.

use crate::helpers::each_backend;

#[tokio::test]
async fn document_is_served_and_stable() {
    each_backend(async |app| {
        let reply = app.send(app.http.get(app.url("/api/openapi.json"))).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body["openapi"], "3.1.0");
        insta::assert_json_snapshot!("openapi", reply.body);
    })
    .await;
}

#[tokio::test]
async fn every_operation_has_an_id_and_responses() {
    each_backend(async |app| {
        let document = app
            .send(app.http.get(app.url("/api/openapi.json")))
            .await
            .body;
        let paths = document["paths"].as_object().expect("paths");
        assert!(paths.len() >= 8);
        for (path, item) in paths {
            for (method, operation) in item.as_object().unwrap() {
                assert!(operation["operationId"].is_string(), "{method} {path}");
                for (status, response) in operation["responses"].as_object().unwrap() {
                    let described = response["description"]
                        .as_str()
                        .is_some_and(|text| !text.is_empty());
                    assert!(described, "{method} {path} {status} has no description");
                }
                assert!(
                    operation["responses"]
                        .as_object()
                        .is_some_and(|r| !r.is_empty()),
                    "{method} {path}"
                );
            }
        }
    })
    .await;
}

#[tokio::test]
async fn docs_page_is_served() {
    each_backend(async |app| {
        let response = app.http.get(app.url("/docs/")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let page = response.text().await.unwrap();
        assert!(
            page.contains("<html") || page.contains("<!DOCTYPE"),
            "{page:.200}"
        );
    })
    .await;
}
