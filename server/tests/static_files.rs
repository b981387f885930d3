//! Serving the built widget and the demo intranet: precompressed variants, cache rules by
//! name, security headers, JSON 404s under /api, and the intranet's stand-in portal backend.

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use common::portal::{code, portal_login, with_portal};
use common::session::start_with;
use common::{http, HttpResponse};
use messenger_protocol::LoginResponse;

const WASM: &str = "messenger-widget-0123456789abcdef_bg.wasm";
const JS: &str = "messenger-widget-0123456789abcdef.js";

/// A directory removed when dropped.
struct Dir(PathBuf);

impl Dir {
    /// Each file with `.br` and `.gz` siblings whose contents say which one was served (the
    /// server sends the bytes as they are; no client here decodes them).
    fn with_files(name: &str, files: &[&str]) -> Dir {
        let path = std::env::temp_dir().join(format!(
            "messenger-{name}-{}-{}",
            std::process::id(),
            common::portal::fresh_jti()
        ));
        std::fs::create_dir_all(&path).unwrap();
        for file in files {
            std::fs::write(path.join(file), format!("raw {file}")).unwrap();
            std::fs::write(path.join(format!("{file}.br")), format!("br {file}")).unwrap();
            std::fs::write(path.join(format!("{file}.gz")), format!("gz {file}")).unwrap();
        }
        Dir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn header<'a>(response: &'a HttpResponse, name: &str) -> Option<&'a str> {
    response.head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

async fn get(addr: SocketAddr, path: &str, accept: Option<&str>) -> HttpResponse {
    let headers = accept
        .map(|a| format!("Accept-Encoding: {a}\r\n"))
        .unwrap_or_default();
    http(addr, "GET", path, &headers, "").await
}

fn assert_page_headers(response: &HttpResponse, what: &str) {
    assert_eq!(
        header(response, "x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        header(response, "referrer-policy"),
        Some("strict-origin-when-cross-origin"),
        "{what}"
    );
    let csp = header(response, "content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP in {}", response.head));
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval'") && csp.contains("style-src 'self';"),
        "{what}: {csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
}

#[tokio::test]
async fn precompressed_files_are_chosen_by_accept_encoding() {
    let dist = Dir::with_files("dist", &["index.html", WASM, JS, "messenger-loader.js"]);
    let dir = dist.path().to_owned();
    let (server, _db) = start_with("static-enc", |c| c.static_dir = Some(dir)).await;
    let addr = server.local_addr();

    let path = format!("/{WASM}");
    for (accept, body, encoding) in [
        (
            Some("gzip, deflate, br, zstd"),
            format!("br {WASM}"),
            Some("br"),
        ),
        (Some("gzip"), format!("gz {WASM}"), Some("gzip")),
        (None, format!("raw {WASM}"), None),
        (Some("identity"), format!("raw {WASM}"), None),
    ] {
        let response = get(addr, &path, accept).await;
        assert_eq!(response.status, 200, "{accept:?}");
        assert_eq!(response.body, body, "{accept:?}");
        assert_eq!(
            header(&response, "content-encoding"),
            encoding,
            "{accept:?}"
        );
        assert_eq!(header(&response, "content-type"), Some("application/wasm"));
        let vary = header(&response, "vary")
            .unwrap_or_default()
            .to_ascii_lowercase();
        assert!(vary.contains("accept-encoding"), "{}", response.head);
    }
    let index = get(addr, "/", Some("br")).await;
    assert_eq!(index.body, "br index.html");
    assert_eq!(header(&index, "content-encoding"), Some("br"));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn hashed_names_are_immutable_and_the_rest_revalidates() {
    let dist = Dir::with_files(
        "dist-cache",
        &[
            "index.html",
            WASM,
            JS,
            "messenger-0123456789abcdef.css",
            "messenger-loader.js",
        ],
    );
    std::fs::create_dir_all(dist.path().join("locales")).unwrap();
    std::fs::write(dist.path().join("locales/fr.json"), "{}").unwrap();
    let dir = dist.path().to_owned();
    let (server, _db) = start_with("static-cache", |c| c.static_dir = Some(dir)).await;
    let addr = server.local_addr();

    const IMMUTABLE: &str = "public, max-age=31536000, immutable";
    for (path, cache) in [
        (format!("/{WASM}"), IMMUTABLE),
        (format!("/{JS}"), IMMUTABLE),
        ("/messenger-0123456789abcdef.css".into(), IMMUTABLE),
        ("/messenger-loader.js".into(), "no-cache"),
        ("/index.html".into(), "no-cache"),
        ("/".into(), "no-cache"),
        ("/locales/fr.json".into(), "no-cache"),
        // A hashed name that is not there falls back to index.html, which must not stick.
        ("/messenger-widget-ffffffffffffffff.js".into(), "no-cache"),
    ] {
        for accept in [None, Some("br")] {
            let response = get(addr, &path, accept).await;
            assert_eq!(response.status, 200, "{path}");
            assert_eq!(
                header(&response, "cache-control"),
                Some(cache),
                "{path} {accept:?}"
            );
            assert_eq!(
                header(&response, "x-content-type-options"),
                Some("nosniff"),
                "{path}"
            );
        }
    }
    // Revalidation answers keep the rule, since a 304 refreshes the cached headers.
    let first = get(addr, &format!("/{JS}"), None).await;
    let modified = header(&first, "last-modified").expect("Last-Modified");
    for (path, cache) in [
        (format!("/{JS}"), IMMUTABLE),
        ("/messenger-loader.js".into(), "no-cache"),
    ] {
        let again = http(
            addr,
            "GET",
            &path,
            &format!("If-Modified-Since: {modified}\r\n"),
            "",
        )
        .await;
        assert_eq!(again.status, 304, "{path}: {}", again.head);
        assert_eq!(header(&again, "cache-control"), Some(cache), "{path}");
    }
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn pages_carry_the_csp_and_unknown_api_paths_answer_json() {
    let dist = Dir::with_files("dist-csp", &["index.html", JS]);
    let dir = dist.path().to_owned();
    let (server, _db) = start_with("static-csp", |c| c.static_dir = Some(dir)).await;
    let addr = server.local_addr();

    for path in ["/", "/index.html", "/chat/42"] {
        let page = get(addr, path, None).await;
        assert_eq!(
            (page.status, page.body.as_str()),
            (200, "raw index.html"),
            "{path}"
        );
        assert_page_headers(&page, path);
    }
    let script = get(addr, &format!("/{JS}"), None).await;
    assert_eq!(header(&script, "x-content-type-options"), Some("nosniff"));
    assert_eq!(
        header(&script, "content-security-policy"),
        None,
        "only pages"
    );
    // A portal on another origin imports the widget's script and fetches its wasm.
    assert_eq!(header(&script, "access-control-allow-origin"), Some("*"));
    assert_eq!(
        header(&get(addr, "/", None).await, "access-control-allow-origin"),
        None,
        "pages are not shared"
    );

    for (method, path) in [
        ("GET", "/api/nope"),
        ("POST", "/api/v2/login"),
        ("GET", "/api"),
        ("GET", "/api/login/extra"),
    ] {
        let response = http(addr, method, path, "", "").await;
        assert_eq!(response.status, 404, "{method} {path}");
        assert_eq!(
            code(&response),
            "not_found",
            "{method} {path}: {}",
            response.body
        );
        assert!(
            header(&response, "content-type")
                .unwrap()
                .starts_with("application/json"),
            "{method} {path}"
        );
    }
    // A path that merely starts with "api" is the app's.
    assert_eq!(get(addr, "/apiary", None).await.body, "raw index.html");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn malformed_file_paths_answer_json_404_not_the_app() {
    let dist = Dir::with_files("dist-files", &["index.html"]);
    let dir = dist.path().to_owned();
    let (server, _db) = start_with("static-files-404", |c| c.static_dir = Some(dir)).await;
    let addr = server.local_addr();
    let id = "0123456789abcdef0123456789abcdef";
    for (method, path) in [
        ("GET", "/files".to_owned()),
        ("GET", "/files/".to_owned()),
        ("GET", "/files/abc".to_owned()),
        ("GET", "/files/999999".to_owned()),
        ("GET", "/files/1/../x".to_owned()),
        ("GET", format!("/files/{id}/a.png/more")),
        ("HEAD", "/files/abc".to_owned()),
        ("POST", "/files/abc".to_owned()),
    ] {
        let response = http(addr, method, &path, "", "").await;
        assert_eq!(response.status, 404, "{method} {path}");
        assert!(
            header(&response, "content-type").is_some_and(|t| t.starts_with("application/json")),
            "{method} {path}: {}",
            response.head
        );
        if method != "HEAD" {
            assert_eq!(
                code(&response),
                "not_found",
                "{method} {path}: {}",
                response.body
            );
        }
    }
    // A well-formed file path asks for a token first (whether the id exists is only
    // answered to someone signed in), and is not the app either.
    let anonymous = http(addr, "GET", &format!("/files/{id}/a.png"), "", "").await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.head);
    assert_eq!(code(&anonymous), "unauthorized", "{}", anonymous.body);
    // The neighbours stay the app's.
    assert_eq!(get(addr, "/filesystem", None).await.body, "raw index.html");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_intranet_signs_its_user_in_with_a_fresh_portal_token() {
    let pages = Dir::with_files("intranet", &["index.html", "news.html"]);
    let dir = pages.path().to_owned();
    let (server, _db) = start_with("intranet", |c| {
        with_portal(c);
        c.demo_intranet = Some(dir);
    })
    .await;
    let addr = server.local_addr();

    let bare = get(addr, "/intranet", None).await;
    assert!(matches!(bare.status, 301 | 308), "{}", bare.head);
    assert_eq!(header(&bare, "location"), Some("/intranet/"));
    for path in ["/intranet/", "/intranet/news.html"] {
        let page = get(addr, path, Some("gzip")).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(page.body.starts_with("gz "), "{path}: {}", page.body);
        assert_eq!(header(&page, "cache-control"), Some("no-cache"));
        assert_page_headers(&page, path);
    }
    assert_eq!(get(addr, "/intranet/missing.html", None).await.status, 404);

    let anonymous = get(addr, "/intranet/token", None).await;
    assert_eq!(anonymous.status, 401);

    let sign_in = get(addr, "/intranet/sign-in?user=alice", None).await;
    assert_eq!(sign_in.status, 303);
    assert_eq!(header(&sign_in, "location"), Some("/intranet/"));
    let cookie = header(&sign_in, "set-cookie").unwrap();
    for part in [
        "intranet_user=alice",
        "HttpOnly",
        "SameSite=Lax",
        "Path=/intranet",
    ] {
        assert!(cookie.contains(part), "{cookie}");
    }
    let signed_in = "Cookie: intranet_user=alice\r\n";
    let token = http(addr, "GET", "/intranet/token", signed_in, "").await;
    assert_eq!(token.status, 200, "{}", token.body);
    assert!(header(&token, "content-type")
        .unwrap()
        .starts_with("text/plain"));
    assert_eq!(token.body.split('.').count(), 3, "a JWT: {}", token.body);
    let next = http(addr, "GET", "/intranet/token", signed_in, "").await;
    assert_ne!(next.body, token.body, "a new jti each time");

    let login = portal_login(addr, &token.body).await;
    assert_eq!(login.status, 200, "{}", login.body);
    let login: LoginResponse = serde_json::from_str(&login.body).unwrap();
    let (_alice, welcome) = common::Client::hello(addr, &login.token).await;
    assert_eq!(welcome.me.username, "alice");
    assert_eq!(
        welcome.me.display_name, "Alice Martin",
        "unchanged by the token"
    );
    let replay = portal_login(addr, &token.body).await;
    assert_eq!(code(&replay), "token_replayed");

    let stranger = http(
        addr,
        "GET",
        "/intranet/token",
        "Cookie: intranet_user=nobody\r\n",
        "",
    )
    .await;
    assert_eq!(stranger.status, 401);
    assert_eq!(
        get(addr, "/intranet/sign-in?user=Alice!", None)
            .await
            .status,
        400
    );
    let sign_out = get(addr, "/intranet/sign-out", None).await;
    assert_eq!(sign_out.status, 303);
    assert!(header(&sign_out, "set-cookie")
        .unwrap()
        .contains("Max-Age=0"));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn without_a_portal_secret_the_intranet_is_pages_only() {
    let pages = Dir::with_files("intranet-plain", &["index.html"]);
    let dir = pages.path().to_owned();
    let (server, _db) = start_with("intranet-plain", |c| c.demo_intranet = Some(dir)).await;
    let addr = server.local_addr();
    assert_eq!(get(addr, "/intranet/", None).await.body, "raw index.html");
    let token = http(
        addr,
        "GET",
        "/intranet/token",
        "Cookie: intranet_user=alice\r\n",
        "",
    )
    .await;
    assert_eq!(token.status, 404);
    assert_eq!(
        get(addr, "/intranet/sign-in?user=alice", None).await.status,
        404
    );
    server.shutdown().await.unwrap();
}
