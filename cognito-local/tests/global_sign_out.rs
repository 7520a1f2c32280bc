//! The user-pool API's `GlobalSignOut` (`POST /`, as Cognito's `cognito-idp` endpoint): every
//! refresh token of the user refused afterwards, userInfo refusing the access tokens issued
//! before it, the admin scope required, Cognito's error shape, and the Hosted UI session left
//! alone.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

const TARGET: &str = "AWSCognitoIdentityProviderService.GlobalSignOut";

async fn global_sign_out(h: &Harness, body: Value, target: &str) -> reqwest::Response {
    h.http
        .post(h.url("/"))
        .header("x-amz-target", target)
        .header("content-type", "application/x-amz-json-1.1")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

async fn aws_error(response: reqwest::Response) -> (String, String) {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    (
        body["__type"].as_str().unwrap().to_owned(),
        body["message"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn global_sign_out_ends_every_sign_in_of_the_user() {
    let h = start().await;
    // Two sign-ins of alice (two devices) and one of bob.
    let first = h.tokens_for("alice", &[]).await;
    let second = h.tokens_for("alice", &[]).await;
    let bob = h.tokens_for("bob", &[]).await;
    let token = |t: &Value, name: &str| t[name].as_str().unwrap().to_owned();
    assert!(token(&first, "access_token").len() > 20);

    let done = global_sign_out(
        &h,
        json!({"AccessToken": token(&second, "access_token")}),
        TARGET,
    )
    .await;
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(done.text().await.unwrap(), "{}");
    assert_eq!(h.running.emulator.counts().global_sign_outs, 1);

    // Every refresh token of alice is refused; bob's still works.
    for tokens in [&first, &second] {
        let refreshed = h.refresh(&token(tokens, "refresh_token")).await;
        assert_eq!(
            oauth_error(refreshed, StatusCode::BAD_REQUEST).await,
            "invalid_grant"
        );
    }
    assert_eq!(
        h.refresh(&token(&bob, "refresh_token")).await.status(),
        StatusCode::OK
    );
    // userInfo refuses alice's earlier access tokens, not bob's.
    for tokens in [&first, &second] {
        assert_eq!(
            h.userinfo(&token(tokens, "access_token")).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        h.userinfo(&token(&bob, "access_token")).await.status(),
        StatusCode::OK
    );
    // The same (now revoked) access token cannot sign out again.
    let again = global_sign_out(
        &h,
        json!({"AccessToken": token(&second, "access_token")}),
        TARGET,
    )
    .await;
    assert_eq!(aws_error(again).await.0, "NotAuthorizedException");
}

#[tokio::test]
async fn global_sign_out_answers_cognitos_errors() {
    let h = start().await;
    // Without the admin scope.
    let narrow = h.tokens_for("alice", &[("scope", "openid email")]).await;
    let access = narrow["access_token"].as_str().unwrap();
    let (kind, message) =
        aws_error(global_sign_out(&h, json!({"AccessToken": access}), TARGET).await).await;
    assert_eq!(kind, "NotAuthorizedException");
    assert!(message.contains("scopes"), "{message}");
    // A forged token, no token, another operation.
    let (kind, _) =
        aws_error(global_sign_out(&h, json!({"AccessToken": "a.b.c"}), TARGET).await).await;
    assert_eq!(kind, "NotAuthorizedException");
    let (kind, _) = aws_error(global_sign_out(&h, json!({}), TARGET).await).await;
    assert_eq!(kind, "InvalidParameterException");
    let (kind, _) = aws_error(
        global_sign_out(
            &h,
            json!({}),
            "AWSCognitoIdentityProviderService.AdminDeleteUser",
        )
        .await,
    )
    .await;
    assert_eq!(kind, "UnknownOperationException");
    assert_eq!(h.running.emulator.counts().global_sign_outs, 0);
}

#[tokio::test]
async fn global_sign_out_ends_implicit_flow_sign_ins_too() {
    let h = start().await;
    // A sign-in of the implicit flow: tokens in the fragment, no refresh token.
    let pairs = [
        ("response_type", "token"),
        ("client_id", SPA),
        ("redirect_uri", CALLBACK),
        ("scope", "openid aws.cognito.signin.user.admin"),
    ];
    let response = h.sign_in(&pairs, "alice", PASSWORD).await;
    let implicit = url_params(&location(&response), true)["access_token"].clone();
    assert_eq!(h.userinfo(&implicit).await.status(), StatusCode::OK);
    let bob = h.tokens_for("bob", &[]).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let done = global_sign_out(&h, json!({"AccessToken": implicit}), TARGET).await;
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(
        h.userinfo(&implicit).await.status(),
        StatusCode::UNAUTHORIZED,
        "the implicit flow's access token is revoked"
    );
    let (kind, _) =
        aws_error(global_sign_out(&h, json!({"AccessToken": implicit}), TARGET).await).await;
    assert_eq!(kind, "NotAuthorizedException");
    assert_eq!(
        h.userinfo(&bob).await.status(),
        StatusCode::OK,
        "bob's is not"
    );
}
