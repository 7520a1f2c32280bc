//! The user-pool API's `GlobalSignOut` (not an OAuth endpoint): the request, built as plain
//! data, and its answer read from plain data. It invalidates every refresh token of the user
//! and makes Cognito's own APIs and userInfo refuse the user's earlier access tokens; it needs
//! an access token with the `aws.cognito.signin.user.admin` scope, and leaves the Hosted UI
//! session to `/logout`.

use super::config::rules::pool_region;
use super::error::AuthError;
use super::http::{HttpRequest, HttpResponse, Method};
use super::secret::Secret;

/// The scope `GlobalSignOut` needs in the access token.
pub const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// The user-pool API endpoint of the pool `pool_id`:
/// `https://cognito-idp.<region>.amazonaws.com/`; `None` when it is not a pool id.
///
/// ```
/// use leptos_cognito_auth::protocol::user_pool_endpoint;
/// assert_eq!(
///     user_pool_endpoint("eu-west-1_AbC123").as_deref(),
///     Some("https://cognito-idp.eu-west-1.amazonaws.com/")
/// );
/// assert_eq!(user_pool_endpoint("not a pool"), None);
/// ```
pub fn user_pool_endpoint(pool_id: &str) -> Option<String> {
    let region = pool_region(pool_id)?;
    Some(format!("https://cognito-idp.{region}.amazonaws.com/"))
}

/// The `GlobalSignOut` request to `endpoint` with the user's `access_token`.
///
/// ```
/// use leptos_cognito_auth::protocol::global_sign_out_request;
/// let request = global_sign_out_request("https://cognito-idp.eu-west-1.amazonaws.com/", "eyJ...");
/// assert_eq!(request.header("x-amz-target"), Some("AWSCognitoIdentityProviderService.GlobalSignOut"));
/// assert_eq!(request.header("content-type"), Some("application/x-amz-json-1.1"));
/// assert_eq!(request.body.unwrap().expose(), r#"{"AccessToken":"eyJ..."}"#);
/// ```
pub fn global_sign_out_request(endpoint: &str, access_token: &str) -> HttpRequest {
    let body = serde_json::json!({ "AccessToken": access_token }).to_string();
    HttpRequest {
        method: Method::Post,
        url: endpoint.to_owned(),
        headers: vec![
            (
                "X-Amz-Target".into(),
                Secret::new("AWSCognitoIdentityProviderService.GlobalSignOut"),
            ),
            (
                "Content-Type".into(),
                Secret::new("application/x-amz-json-1.1"),
            ),
        ],
        body: Some(Secret::new(body)),
    }
}

/// Reads a `GlobalSignOut` answer: 200 is success; Cognito's errors (HTTP 400,
/// `{"__type": "NotAuthorizedException", "message": ...}`) are
/// [`AuthError::UserPoolApi`].
pub fn global_sign_out_result(response: &HttpResponse) -> Result<(), AuthError> {
    if response.status == 200 {
        return Ok(());
    }
    let body: serde_json::Value = serde_json::from_str(&response.body).unwrap_or_default();
    let text = |name: &str| body.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    match text("__type") {
        Some(kind) => Err(AuthError::UserPoolApi {
            // `__type` may carry a namespace: `com.amazonaws...#NotAuthorizedException`.
            kind: kind
                .rsplit('#')
                .next()
                .unwrap_or_default()
                .chars()
                .take(64)
                .collect(),
            message: text("message")
                .unwrap_or_default()
                .chars()
                .take(256)
                .collect(),
        }),
        None => Err(AuthError::Endpoint {
            endpoint: "GlobalSignOut",
            status: response.status,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_as_cognito_sends_them() {
        assert_eq!(
            global_sign_out_result(&HttpResponse::new(200, "{}")),
            Ok(())
        );
        let refused = global_sign_out_result(&HttpResponse::new(
            400,
            r#"{"__type":"NotAuthorizedException","message":"Access Token has been revoked"}"#,
        ))
        .unwrap_err();
        assert_eq!(refused.code(), "not_authorized");
        assert!(
            refused
                .to_string()
                .contains("Access Token has been revoked"),
            "{refused}"
        );
        let namespaced = global_sign_out_result(&HttpResponse::new(
            400,
            r#"{"__type":"com.amazonaws.cognito#TooManyRequestsException","message":"slow down"}"#,
        ))
        .unwrap_err();
        assert_eq!(namespaced.code(), "user_pool_api_error");
        assert!(namespaced.to_string().contains("TooManyRequestsException"));
        let junk = global_sign_out_result(&HttpResponse::new(502, "<html>")).unwrap_err();
        assert_eq!(junk.code(), "endpoint_error");
    }
}
