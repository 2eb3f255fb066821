//! Concurrent writers never see "database is locked", and nothing is lost.

use std::collections::HashSet;

use comment_desk::domain::comments::Status;

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
    let stored = app
        .store()
        .await
        .comments_with_status(Status::Published)
        .await
        .unwrap();
    assert_eq!(stored, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_text_sent_many_times_at_once_is_stored_once() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    let reader = app.reader().await;

    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (app, reader) = (app.clone(), reader.clone());
        tasks.push(tokio::spawn(async move {
            let response = app
                .comment(&reader, DEMO_ARTICLE, "같은 말을 스무 번 보냅니다")
                .await;
            let status = response.status().as_u16();
            (status, json_body(response).await)
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        if status == 422 {
            assert_eq!(body["violations"][0]["rule"], "duplicate", "{body}");
        }
        statuses.push(status);
    }

    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 422).count(),
        19,
        "{statuses:?}"
    );
    let listed = app
        .list(&format!("/api/v1/articles/{DEMO_ARTICLE}/comments"))
        .await;
    assert_eq!(listed["total"], 1);
}
