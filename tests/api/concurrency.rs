//! Concurrent writers never see "database is locked", and nothing is lost.

use std::collections::HashSet;

use crate::helpers::{DEMO_ARTICLE, TestApp, json_body};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_posts_are_all_stored() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    let mut readers = Vec::new();
    for _ in 0..10 {
        readers.push(app.reader().await);
    }

    let mut tasks = Vec::new();
    for n in 0..200 {
        let app = app.clone();
        let reader = readers[n % readers.len()].clone();
        tasks.push(tokio::spawn(async move {
            let response = app
                .comment(&reader, DEMO_ARTICLE, &format!("concurrent comment {n}"))
                .await;
            let status = response.status();
            (status, json_body(response).await)
        }));
    }
    let mut ids = HashSet::new();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, 201, "{body}");
        ids.insert(body["comment"]["id"].as_str().unwrap().to_owned());
    }

    assert_eq!(ids.len(), 200, "every post got its own id");
    let list = app
        .list("/api/v1/articles/putin-north-korea-signal/comments")
        .await;
    assert_eq!(list["total"], 200);
    let db = app.db().await;
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM comments WHERE status = 'published'")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(stored, 200);
}
