//! `GET /oauth2/authorize`: request validation (shared with `/login` and `/logout`), the
//! session shortcut, and completing a sign-in with a code or implicit tokens.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::config::{ClientConfig, OAuthFlow};
use super::pages;
use super::params::{self, Params};
use super::responses::redirect;
use super::session;
use super::state::{now, random_token, random_uuid, CodeRecord, Emulator, Grant, SharedEmulator};
use super::tokens;

/// The parameters `/oauth2/authorize` understands, carried along to `/login`.
pub const AUTHORIZE_PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "scope",
    "identity_provider",
    "idp_identifier",
    "code_challenge_method",
    "code_challenge",
    "nonce",
    "lang",
    "prompt",
    "login_hint",
    "resource",
];

/// What the `prompt` parameter (space-separated `none`, `login`, `select_account`,
/// `consent`) asks of the emulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// `login` among the values: ask for the password even within a session.
    Login,
    /// `none` (alone): never show the form; fail with `login_required` without a session.
    None,
    /// Only `consent` and `select_account`: accepted, no effect here (one user per
    /// session, no consent page).
    Other,
}

/// Reads `prompt`: space-separated values, each known, `none` alone (OpenID Connect).
fn parse_prompt(value: &str) -> Result<Prompt, String> {
    let values: Vec<&str> = value.split(' ').filter(|v| !v.is_empty()).collect();
    if let Some(unknown) = values
        .iter()
        .find(|v| !matches!(**v, "none" | "login" | "select_account" | "consent"))
    {
        return Err(format!("prompt {unknown:?} is not supported"));
    }
    if values.contains(&"none") {
        return if values.iter().all(|v| *v == "none") {
            Ok(Prompt::None)
        } else {
            Err("prompt none cannot be combined with other values".into())
        };
    }
    if values.contains(&"login") {
        return Ok(Prompt::Login);
    }
    if values.is_empty() {
        return Err("prompt is empty".into());
    }
    Ok(Prompt::Other)
}

/// Whether `value` is an absolute URI without a fragment, as RFC 8707 requires of
/// `resource`.
fn is_resource_indicator(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !value.contains('#')
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Whether `value` can be a page's `lang`: a language tag such as `es` or `pt-BR`.
fn is_language_tag(value: &str) -> bool {
    (1..=35).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A validated authorize request.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    /// The client.
    pub client: ClientConfig,
    /// The registered redirect URI.
    pub redirect_uri: String,
    /// Code or implicit.
    pub flow: OAuthFlow,
    /// Echoed back.
    pub state: Option<String>,
    /// Granted scopes (requested ones filtered to the client's, or all of the client's).
    pub scopes: Vec<String>,
    /// Copied into the ID token.
    pub nonce: Option<String>,
    /// PKCE S256 challenge (code flow).
    pub code_challenge: Option<String>,
    /// A named identity provider other than `COGNITO`.
    pub identity_provider: Option<String>,
    /// The `prompt` parameter.
    pub prompt: Option<Prompt>,
    /// `login_hint`: the user name the sign-in form starts with.
    pub login_hint: Option<String>,
    /// `lang`, when it is a language tag: the sign-in page's `<html lang>` (a value that is
    /// not is ignored, as Cognito ignores a language it does not offer).
    pub lang: Option<String>,
    /// `resource` (RFC 8707): the access token's `aud`.
    pub resource: Option<String>,
    /// The authorize parameters, re-encoded, to carry to `/login`.
    pub query: String,
}

/// A rejected authorize request.
#[derive(Debug)]
pub enum AuthorizeError {
    /// Client or redirect URI not trustworthy: an HTML error page, never a redirect.
    Page(StatusCode, String),
    /// Anything else: redirected to the client as `?error=&error_description=`.
    Redirect {
        /// Where to send the error.
        redirect_uri: String,
        /// The request's `state`, echoed.
        state: Option<String>,
        /// The OAuth error code.
        error: &'static str,
        /// A human-readable description.
        description: String,
    },
}

impl IntoResponse for AuthorizeError {
    fn into_response(self) -> Response {
        match self {
            Self::Page(status, message) => pages::error_page(status, &message),
            Self::Redirect {
                redirect_uri,
                state,
                error,
                description,
            } => {
                let mut pairs = vec![("error", error), ("error_description", &description)];
                if let Some(state) = &state {
                    pairs.push(("state", state));
                }
                redirect(&params::append_query(&redirect_uri, &pairs))
            }
        }
    }
}

/// Whether `s` is a well-formed S256 code challenge (43 base64url characters).
fn is_s256_challenge(s: &str) -> bool {
    s.len() == 43
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Validates authorize parameters. Checks the client and redirect URI first (errors there are
/// pages), then everything else (errors there are redirects).
pub fn validate(emulator: &Emulator, params: &Params) -> Result<AuthorizeRequest, AuthorizeError> {
    let client_id = params.get("client_id").ok_or_else(|| {
        AuthorizeError::Page(StatusCode::BAD_REQUEST, "client_id is required.".to_owned())
    })?;
    let client = emulator.config.client(client_id).ok_or_else(|| {
        AuthorizeError::Page(
            StatusCode::BAD_REQUEST,
            format!("The app client {client_id:?} does not exist in this user pool."),
        )
    })?;
    let redirect_uri = params.get("redirect_uri").ok_or_else(|| {
        AuthorizeError::Page(
            StatusCode::BAD_REQUEST,
            "redirect_uri is required.".to_owned(),
        )
    })?;
    if !client.callback_urls.iter().any(|u| u == redirect_uri) {
        return Err(AuthorizeError::Page(
            StatusCode::BAD_REQUEST,
            format!(
                "redirect_uri {redirect_uri:?} is not a registered callback URL of the app client {client_id:?} (redirect_mismatch)."
            ),
        ));
    }
    let state = params.get("state").map(str::to_owned);
    let fail = |error: &'static str, description: String| AuthorizeError::Redirect {
        redirect_uri: redirect_uri.to_owned(),
        state: state.clone(),
        error,
        description,
    };

    if let Some(name) = params.repeated() {
        return Err(fail(
            "invalid_request",
            format!("the parameter {name} was sent more than once"),
        ));
    }
    let flow = match params.get("response_type") {
        Some("code") => OAuthFlow::Code,
        Some("token") => OAuthFlow::Implicit,
        Some(other) => {
            return Err(fail(
                "invalid_request",
                format!("response_type {other:?} is not supported; use code or token"),
            ))
        }
        None => return Err(fail("invalid_request", "response_type is required".into())),
    };
    if !client.allowed_flows.contains(&flow) {
        return Err(fail(
            "unauthorized_client",
            format!("the app client is not allowed to use the {flow:?} flow"),
        ));
    }

    let code_challenge = match (
        params.get("code_challenge_method"),
        params.get("code_challenge"),
    ) {
        (None, None) => None,
        (Some("S256"), Some(challenge)) if is_s256_challenge(challenge) => {
            Some(challenge.to_owned())
        }
        (Some("S256"), Some(_)) => {
            return Err(fail(
                "invalid_request",
                "code_challenge must be 43 base64url characters (S256)".into(),
            ))
        }
        (Some("S256"), None) => {
            return Err(fail(
                "invalid_request",
                "code_challenge is required with code_challenge_method".into(),
            ))
        }
        (Some(method), _) => {
            return Err(fail(
                "invalid_request",
                format!("code_challenge_method {method:?} is not supported; only S256 is"),
            ))
        }
        (None, Some(_)) => {
            return Err(fail(
                "invalid_request",
                "code_challenge_method is required with code_challenge; only S256 is supported"
                    .into(),
            ))
        }
    };

    let scopes = match params.get("scope") {
        None => client.allowed_scopes.clone(),
        Some(requested) => {
            let mut granted: Vec<String> = Vec::new();
            for scope in requested.split(' ').filter(|s| !s.is_empty()) {
                if client.allowed_scopes.iter().any(|a| a == scope)
                    && !granted.iter().any(|g| g == scope)
                {
                    granted.push(scope.to_owned());
                }
            }
            if granted.is_empty() {
                return Err(fail(
                    "invalid_scope",
                    format!(
                        "none of the requested scopes {requested:?} is allowed for this app client"
                    ),
                ));
            }
            granted
        }
    };

    let mut identity_provider = None;
    if let Some(idp) = params.get("identity_provider") {
        if !client.identity_providers.iter().any(|p| p == idp) {
            return Err(fail(
                "invalid_request",
                format!("identity_provider {idp:?} is not enabled for this app client"),
            ));
        }
        if idp != "COGNITO" {
            identity_provider = Some(idp.to_owned());
        }
    }
    if let Some(identifier) = params.get("idp_identifier") {
        let provider = client
            .identity_providers
            .iter()
            .find(|p| p.eq_ignore_ascii_case(identifier));
        let Some(provider) = provider else {
            let message = format!("idp_identifier {identifier:?} matches no identity provider");
            return Err(fail("invalid_request", message));
        };
        if provider != "COGNITO" {
            identity_provider = Some(provider.clone());
        }
    }

    let prompt = match params.get("prompt").map(parse_prompt) {
        None => None,
        Some(Ok(prompt)) => Some(prompt),
        Some(Err(description)) => return Err(fail("invalid_request", description)),
    };
    let resource = params.get("resource").map(str::to_owned);
    if let Some(resource) = resource.as_deref().filter(|r| !is_resource_indicator(r)) {
        // RFC 8707's error for a resource that cannot be one.
        return Err(fail(
            "invalid_target",
            format!("resource {resource:?} is not an absolute URI without a fragment"),
        ));
    }

    Ok(AuthorizeRequest {
        client: client.clone(),
        redirect_uri: redirect_uri.to_owned(),
        flow,
        state: state.clone(),
        scopes,
        nonce: params.get("nonce").map(str::to_owned),
        code_challenge,
        identity_provider,
        prompt,
        login_hint: params.get("login_hint").map(str::to_owned),
        lang: params
            .get("lang")
            .filter(|l| is_language_tag(l))
            .map(str::to_owned),
        resource,
        query: params.only(AUTHORIZE_PARAMS).to_query(),
    })
}

/// Finishes a sign-in for `username`: a code (code flow) or tokens in the fragment
/// (implicit flow), redirected to the client.
pub fn complete(
    emulator: &Emulator,
    request: &AuthorizeRequest,
    username: &str,
    auth_time: u64,
) -> Response {
    let grant = Grant {
        client_id: request.client.client_id.clone(),
        username: username.to_owned(),
        scopes: request.scopes.clone(),
        auth_time,
        origin_jti: random_uuid(),
        resource: request.resource.clone(),
    };
    let server_error = |description: String| {
        AuthorizeError::Redirect {
            redirect_uri: request.redirect_uri.clone(),
            state: request.state.clone(),
            error: "server_error",
            description,
        }
        .into_response()
    };
    match request.flow {
        // Not an authorize flow: `response_type` maps only to `code` and `token`.
        OAuthFlow::ClientCredentials => {
            server_error("client_credentials is not a response_type".into())
        }
        OAuthFlow::Code => {
            let code = random_token(32);
            emulator.store().codes.insert(
                code.clone(),
                CodeRecord {
                    grant,
                    redirect_uri: request.redirect_uri.clone(),
                    code_challenge: request.code_challenge.clone(),
                    nonce: request.nonce.clone(),
                    expires_at: now() + emulator.config.code_lifetime_secs,
                },
            );
            let mut pairs = vec![("code", code.as_str())];
            if let Some(state) = &request.state {
                pairs.push(("state", state));
            }
            redirect(&params::append_query(&request.redirect_uri, &pairs))
        }
        OAuthFlow::Implicit => {
            let Some(user) = emulator.config.user(username) else {
                return server_error("the signed-in user no longer exists".into());
            };
            let issued = match tokens::mint(
                emulator,
                &request.client,
                user,
                &grant,
                request.nonce.as_deref(),
                false,
            ) {
                Ok(issued) => issued,
                Err(e) => return server_error(e.0),
            };
            // No refresh token to find this sign-in by: remembered while its tokens live,
            // so that `GlobalSignOut` revokes them too.
            let lives = request.client.longest_token_lifetime_secs();
            emulator.store().implicit_sign_ins.insert(
                grant.origin_jti.clone(),
                (grant.username.clone(), now().saturating_add(lives)),
            );
            let expires_in = issued.expires_in.to_string();
            let mut pairs = vec![("access_token", issued.access_token.as_str())];
            if let Some(id) = &issued.id_token {
                pairs.push(("id_token", id));
            }
            pairs.push(("token_type", "Bearer"));
            pairs.push(("expires_in", &expires_in));
            if let Some(state) = &request.state {
                pairs.push(("state", state));
            }
            redirect(&format!(
                "{}#{}",
                request.redirect_uri,
                params::encode_pairs(&pairs)
            ))
        }
    }
}

/// `GET /oauth2/authorize`.
pub async fn authorize(
    State(emulator): State<SharedEmulator>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::from_query(query.as_deref());
    let request = match validate(&emulator, &params) {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    if request.prompt != Some(Prompt::Login) {
        if let Some(session) = session::current(&emulator, &headers) {
            if emulator.config.user(&session.username).is_some() {
                return complete(&emulator, &request, &session.username, session.auth_time);
            }
        }
    }
    if request.prompt == Some(Prompt::None) {
        return AuthorizeError::Redirect {
            redirect_uri: request.redirect_uri,
            state: request.state,
            error: "login_required",
            description: "prompt=none was sent but there is no Hosted UI session".into(),
        }
        .into_response();
    }
    redirect(&format!("{}/login?{}", emulator.domain_base, request.query))
}
