//! Health checks and the OpenAPI description.

use crate::helpers::{TestApp, json_body};

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/readyz"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert!(response.headers().contains_key("x-request-id"), "{path}");
    }
}

#[tokio::test]
async fn readiness_names_the_engine_it_reached() {
    let app = TestApp::spawn().await;
    let expected = if app.database_url.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };

    let body = json_body(app.get("/readyz").await).await;

    assert_eq!(body["status"], "ready");
    assert_eq!(body["engine"], expected);
}

#[tokio::test]
async fn openapi_describes_every_endpoint() {
    let app = TestApp::spawn().await;

    let doc = json_body(app.get("/api/v1/openapi.json").await).await;

    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let expected = [
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/auth/me", "get"),
        ("/api/v1/auth/logout-all", "post"),
        ("/api/v1/auth/password", "post"),
        ("/api/v1/comments/{id}", "patch"),
        ("/api/v1/comments/{id}/reports", "post"),
        ("/api/v1/moderation/queue", "get"),
        ("/api/v1/moderation/comments/{id}/decision", "post"),
        ("/api/v1/moderation/users/{user_id}/sanctions", "post"),
        ("/api/v1/moderation/users/{user_id}/sanctions", "delete"),
        ("/api/v1/moderation/log", "get"),
        ("/api/v1/moderation/counts", "get"),
        ("/api/v1/moderation/users/{user_id}", "get"),
        ("/api/v1/moderation/users/{user_id}/comments", "get"),
        ("/api/v1/moderation/users/{user_id}/note", "put"),
        ("/api/v1/moderation/comments/{id}/undo", "post"),
        ("/api/v1/moderation/events", "get"),
        ("/api/v1/admin/users/{user_id}/role", "put"),
        ("/api/v1/articles/{article_id}", "put"),
        ("/api/v1/articles/{article_id}", "get"),
        ("/api/v1/articles/{article_id}/comments", "get"),
        ("/api/v1/articles/{article_id}/comments", "post"),
        ("/api/v1/comments/{id}", "get"),
        ("/api/v1/comments/{id}", "delete"),
        ("/api/v1/comments/{id}/replies", "get"),
        ("/api/v1/comments/validate", "post"),
        ("/api/v1/policy", "get"),
    ];
    for (path, method) in expected {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} described"
        );
    }
    assert!(doc["components"]["schemas"]["CommentView"].is_object());
}
