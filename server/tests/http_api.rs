//! The plain HTTP side: login, health check, CORS and static files.

mod common;

use common::{http, login_response, start, start_on, TempDb};

#[tokio::test]
async fn login_gives_a_token_for_the_right_password_only() {
    let (server, _db) = start("login").await;
    let addr = server.local_addr();

    let ok = login_response(addr, "alice", "demo").await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let body: serde_json::Value = serde_json::from_str(&ok.body).unwrap();
    let token = body["token"].as_str().unwrap();
    assert!(token.len() >= 32 && token.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(body["user_id"].as_i64().unwrap() > 0);

    let again = login_response(addr, "alice", "demo").await;
    let again: serde_json::Value = serde_json::from_str(&again.body).unwrap();
    assert_ne!(
        again["token"], body["token"],
        "every login gets its own token"
    );

    for (username, password) in [("alice", "wrong"), ("nobody", "demo"), ("alice", "")] {
        let bad = login_response(addr, username, password).await;
        assert_eq!(bad.status, 401);
        let body: serde_json::Value = serde_json::from_str(&bad.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"code": "unauthorized", "message": "wrong username or password"})
        );
    }

    let malformed = http(addr, "POST", "/api/login", "", "{\"username\":").await;
    assert_eq!(malformed.status, 400);
    assert!(
        malformed.body.contains("invalid_argument"),
        "{}",
        malformed.body
    );

    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn login_may_be_called_from_another_origin() {
    let (server, _db) = start("cors").await;
    let addr = server.local_addr();

    let preflight = http(
        addr,
        "OPTIONS",
        "/api/login",
        "Origin: https://portal.example\r\nAccess-Control-Request-Method: POST\r\n\
         Access-Control-Request-Headers: content-type\r\n",
        "",
    )
    .await;
    assert!(preflight.status < 300, "{}", preflight.head);
    let head = preflight.head.to_ascii_lowercase();
    assert!(head.contains("access-control-allow-origin: *"), "{head}");
    assert!(
        head.contains("access-control-allow-methods: post"),
        "{head}"
    );

    let post = http(
        addr,
        "POST",
        "/api/login",
        "Origin: https://portal.example\r\n",
        r#"{"username":"bob","password":"demo"}"#,
    )
    .await;
    assert_eq!(post.status, 200);
    assert!(post
        .head
        .to_ascii_lowercase()
        .contains("access-control-allow-origin: *"));

    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn health_check_and_a_hint_when_the_widget_is_not_built() {
    let (server, _db) = start("health").await;
    let addr = server.local_addr();

    let health = http(addr, "GET", "/healthz", "", "").await;
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));

    let page = http(addr, "GET", "/", "", "").await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("cargo xtask run"), "{}", page.body);

    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn built_widget_is_served_with_index_fallback() {
    let db = TempDb::new("static");
    let dir = std::env::temp_dir().join(format!("messenger-static-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<h1>widget</h1>").unwrap();
    std::fs::write(dir.join("app.js"), "console.log(1)").unwrap();
    let server = start_on(&db, Some(dir.clone())).await;
    let addr = server.local_addr();

    let index = http(addr, "GET", "/", "", "").await;
    assert_eq!(
        (index.status, index.body.as_str()),
        (200, "<h1>widget</h1>")
    );
    let asset = http(addr, "GET", "/app.js", "", "").await;
    assert_eq!((asset.status, asset.body.as_str()), (200, "console.log(1)"));
    let deep_link = http(addr, "GET", "/chat/42", "", "").await;
    assert_eq!(
        (deep_link.status, deep_link.body.as_str()),
        (200, "<h1>widget</h1>")
    );
    assert_eq!(http(addr, "GET", "/healthz", "", "").await.body, "ok");

    server.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(dir);
}
