//! Portal identity: `POST /api/portal-login` with tokens a portal signs, and every way a
//! token is refused.

mod common;

use common::portal::{
    base64url, claims, code, now_secs, portal_login, sign, sign_as, unsigned, with_claims,
    with_portal,
};
use common::session::start_with;
use common::{http, login_response, start_on, Client};
use jsonwebtoken::Algorithm;
use messenger_protocol::{LoginResponse, Welcome};

fn department_path(welcome: &Welcome, mut id: Option<i64>) -> Vec<String> {
    let mut names = Vec::new();
    while let Some(d) = id {
        let department = welcome.departments.iter().find(|x| x.id == d).unwrap();
        names.insert(0, department.name.clone());
        id = department.parent_id;
    }
    names
}

#[test]
fn base64url_matches_known_values() {
    assert_eq!(base64url(b""), "");
    assert_eq!(base64url(b"f"), "Zg");
    assert_eq!(base64url(b"fo"), "Zm8");
    assert_eq!(base64url(b"foo"), "Zm9v");
    assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
}

#[tokio::test]
async fn a_portal_token_creates_the_user_then_updates_it() {
    let (server, _db) = start_with("portal-ok", with_portal).await;
    let addr = server.local_addr();

    let first = portal_login(addr, &sign(&claims("zoe", "Zoe Adams"))).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let first: LoginResponse = serde_json::from_str(&first.body).unwrap();
    let (_zoe, welcome) = Client::hello(addr, &first.token).await;
    assert_eq!(welcome.me.id, first.user_id);
    assert_eq!(welcome.me.username, "zoe");
    assert_eq!(welcome.me.display_name, "Zoe Adams");
    assert_eq!(
        department_path(&welcome, welcome.me.department_id),
        ["Head office", "Legal"]
    );
    let head_offices = welcome
        .departments
        .iter()
        .filter(|d| d.name == "Head office")
        .count();
    assert_eq!(head_offices, 1, "the demo's Head office is reused");

    let mut moved = claims("zoe", "Zoe Adams-Berg");
    moved["dept"] = serde_json::json!(["Head office", "Sales"]);
    let second = portal_login(addr, &sign(&moved)).await;
    assert_eq!(second.status, 200, "{}", second.body);
    let second: LoginResponse = serde_json::from_str(&second.body).unwrap();
    assert_eq!(second.user_id, first.user_id, "the same user");
    assert_ne!(second.token, first.token);
    let (_zoe, welcome) = Client::hello(addr, &second.token).await;
    assert_eq!(welcome.me.display_name, "Zoe Adams-Berg");
    assert_eq!(
        department_path(&welcome, welcome.me.department_id),
        ["Head office", "Sales"]
    );
    let sales = welcome
        .departments
        .iter()
        .filter(|d| d.name == "Sales")
        .count();
    assert_eq!(sales, 1, "the demo's Sales department, not a copy");

    // Others see the new colleague in their next welcome.
    let (_alice, alice_view) = Client::login(addr, "alice").await;
    assert!(alice_view.users.iter().any(|u| u.username == "zoe"));

    // A portal user never had a password.
    for password in ["", "demo", "zoe"] {
        assert_eq!(login_response(addr, "zoe", password).await.status, 401);
    }
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn expired_forged_and_malformed_tokens_are_refused() {
    let (server, _db) = start_with("portal-bad", with_portal).await;
    let addr = server.local_addr();
    let now = now_secs();

    let mut expired = claims("zoe", "Zoe");
    expired["iat"] = (now - 400).into();
    expired["exp"] = (now - 100).into();
    let mut long_lived = claims("zoe", "Zoe");
    long_lived["exp"] = (now + 601).into();
    let mut no_jti = claims("zoe", "Zoe");
    no_jti.as_object_mut().unwrap().remove("jti");
    let mut no_name = claims("zoe", "Zoe");
    no_name.as_object_mut().unwrap().remove("name");
    let bad_sub = claims("Zoe Adams", "Zoe");
    // Zoe's genuine token with its claims swapped for Alice's.
    let tampered = with_claims(&sign(&claims("zoe", "Zoe")), &claims("alice", "Alice"));

    let cases = [
        ("expired", sign(&expired), "token_expired"),
        ("tampered", tampered, "token_invalid"),
        ("alg none", unsigned(&claims("zoe", "Zoe")), "token_invalid"),
        (
            "HS384",
            sign_as(Algorithm::HS384, &claims("zoe", "Zoe")),
            "token_invalid",
        ),
        ("no jti", sign(&no_jti), "token_invalid"),
        ("no name", sign(&no_name), "token_invalid"),
        ("lifetime 601 s", sign(&long_lived), "token_invalid"),
        ("sub not a login name", sign(&bad_sub), "token_invalid"),
        ("not a JWT", "abc".to_owned(), "token_invalid"),
    ];
    for (what, token, expected) in cases {
        let response = portal_login(addr, &token).await;
        assert_eq!(response.status, 401, "{what}: {}", response.body);
        assert_eq!(code(&response), expected, "{what}: {}", response.body);
    }
    let not_json = http(addr, "POST", "/api/portal-login", "", "token=abc").await;
    assert_eq!(not_json.status, 400, "{}", not_json.body);

    // None of them created anyone.
    let (_alice, welcome) = Client::login(addr, "alice").await;
    assert!(!welcome.users.iter().any(|u| u.username == "zoe"));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_token_signs_in_once_even_across_a_restart() {
    let db = common::TempDb::new("portal-replay");
    let config = || {
        let mut config = db.config();
        with_portal(&mut config);
        config
    };
    let token = sign(&claims("zoe", "Zoe Adams"));
    let server = messenger_server::start(config()).await.unwrap();
    let addr = server.local_addr();
    assert_eq!(portal_login(addr, &token).await.status, 200);
    let again = portal_login(addr, &token).await;
    assert_eq!((again.status, code(&again)), (401, "token_replayed".into()));
    server.shutdown().await.unwrap();

    let server = messenger_server::start(config()).await.unwrap();
    let again = portal_login(server.local_addr(), &token).await;
    assert_eq!((again.status, code(&again)), (401, "token_replayed".into()));
    let fresh = portal_login(server.local_addr(), &sign(&claims("zoe", "Zoe Adams"))).await;
    assert_eq!(fresh.status, 200, "{}", fresh.body);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn without_a_secret_portal_login_is_off() {
    let db = common::TempDb::new("portal-off");
    let server = start_on(&db, None).await;
    let response = portal_login(server.local_addr(), &sign(&claims("zoe", "Zoe"))).await;
    assert_eq!(response.status, 404, "{}", response.body);
    assert_eq!(code(&response), "portal_login_disabled");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn portal_login_and_unread_may_be_called_from_another_origin() {
    let (server, _db) = start_with("portal-cors", with_portal).await;
    let addr = server.local_addr();
    for (path, method, headers) in [
        ("/api/portal-login", "post", "content-type"),
        ("/api/unread", "get", "authorization"),
    ] {
        let preflight = http(
            addr,
            "OPTIONS",
            path,
            &format!(
                "Origin: https://portal.example\r\nAccess-Control-Request-Method: {}\r\n\
                 Access-Control-Request-Headers: {headers}\r\n",
                method.to_uppercase()
            ),
            "",
        )
        .await;
        let head = preflight.head.to_ascii_lowercase();
        assert!(preflight.status < 300, "{path}: {head}");
        assert!(
            head.contains("access-control-allow-origin: *"),
            "{path}: {head}"
        );
        assert!(
            head.contains(&format!("access-control-allow-methods: {method}")),
            "{path}: {head}"
        );
        assert!(head.contains(headers), "{path}: {head}");
    }
    server.shutdown().await.unwrap();
}
