//! `/login`: the accessible sign-in page, wrong passwords, and what a successful sign-in sets.

mod common;

use common::*;
use reqwest::StatusCode;

#[tokio::test]
async fn sign_in_page_is_accessible_and_says_it_is_a_development_server() {
    let h = start().await;
    let response = h.authorize(&code_params(&[])).await;
    let page = h.http.get(location(&response)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Development server"));
    assert!(html.contains("<label for=\"username\">Username</label>"));
    assert!(html.contains("id=\"username\" name=\"username\""));
    assert!(html.contains("<label for=\"password\">Password</label>"));
    assert!(html.contains("id=\"password\" name=\"password\" type=\"password\""));
    assert!(html.contains("<button type=\"submit\">Sign in</button>"));
    assert!(html.contains("method=\"post\""));
}

#[tokio::test]
async fn login_page_validates_the_authorize_parameters_too() {
    let h = start().await;
    let response = h
        .get(&format!(
            "/login?{}",
            query(&[
                ("client_id", "nope"),
                ("redirect_uri", CALLBACK),
                ("response_type", "code")
            ])
        ))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
    let response = h.get("/login").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = h
        .http
        .post(h.url("/login"))
        .form(&[("username", "alice"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(set_cookies(response.headers()).is_empty());
}

#[tokio::test]
async fn wrong_password_shows_the_page_again_and_issues_nothing() {
    let h = start_with(|c| c.enable_test_control = true).await;
    for (user, password) in [
        ("alice", "wrong"),
        ("nobody", PASSWORD),
        ("bob", "passw0rd!"),
    ] {
        let response = h.sign_in(&code_params(&[]), user, password).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers().get("location").is_none());
        assert!(
            set_cookies(response.headers()).is_empty(),
            "no session cookie"
        );
        let html = response.text().await.unwrap();
        assert!(html.contains("role=\"alert\""));
        assert!(html.contains("Incorrect username or password."));
        assert!(html.contains("<button type=\"submit\">Sign in</button>"));
        assert!(
            html.contains(&format!("value=\"{user}\"")),
            "user name kept"
        );
    }
    let state: serde_json::Value = h.get("/_test/state").await.json().await.unwrap();
    assert_eq!(state["codes"], 0);
    assert_eq!(state["sessions"], 0);
    // still no session: authorize asks for the password
    let response = h.authorize(&code_params(&[])).await;
    assert!(location(&response).starts_with(&h.url("/login?")));
}

#[tokio::test]
async fn missing_fields_show_the_page_with_an_error() {
    let h = start().await;
    let response = h.authorize(&code_params(&[])).await;
    let login = location(&response);
    let response = h
        .http
        .post(&login)
        .form(&[("username", "alice")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let html = response.text().await.unwrap();
    assert!(html.contains("Enter your username and password."));
}

#[tokio::test]
async fn markup_in_parameters_is_escaped() {
    let h = start().await;
    let response = h
        .authorize(&code_params(&[("nonce", "\"><script>alert(1)</script>")]))
        .await;
    let html = h
        .http
        .get(location(&response))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<script>"));
    let response = h
        .authorize(&[
            ("response_type", "code"),
            ("client_id", "<img src=x>"),
            ("redirect_uri", CALLBACK),
        ])
        .await;
    let html = response.text().await.unwrap();
    assert!(!html.contains("<img"));
    assert!(html.contains("&lt;img src=x&gt;"));
}

#[tokio::test]
async fn successful_sign_in_redirects_with_a_code_and_sets_the_session() {
    let h = start().await;
    let response = h.sign_in(&code_params(&[]), "ALICE", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = location(&response);
    assert!(
        location.starts_with(&format!("{CALLBACK}?code=")),
        "{location}"
    );
    let params = url_params(&location, false);
    assert_eq!(params["state"], "opaque-state-123");
    assert!(set_cookies(response.headers())
        .iter()
        .any(|c| c.starts_with("cognito-local-session=") && c.contains("SameSite=Lax")));
    // user names are case-insensitive; tokens carry the canonical name
    let tokens = h
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", SPA),
            ("code", &params["code"]),
            ("redirect_uri", CALLBACK),
        ])
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let (_, claims) = h
        .verify(tokens["access_token"].as_str().unwrap(), None)
        .await;
    assert_eq!(claims["username"], "alice");
}
