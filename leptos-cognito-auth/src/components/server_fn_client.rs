//! [`CognitoServerFnClient`]: a server-function client that sends the signed-in user's
//! access token and, on a 401, refreshes the session and sends the call once more.

/// The server-function client of the kit: `#[server(client = CognitoServerFnClient)]`
/// sends the signed-in user's access token and, on a 401, refreshes the session and sends
/// the call once more.
///
/// ```ignore
/// use leptos::prelude::*;
/// use leptos_cognito_auth::components::CognitoServerFnClient;
///
/// #[server(client = CognitoServerFnClient)]
/// pub async fn whoami() -> Result<String, ServerFnError> {
///     let user = leptos_cognito_auth::ssr::require_user().await?;
///     Ok(user.username().unwrap_or(user.sub()).to_owned())
/// }
/// ```
///
/// In the browser (feature `hydrate`) every call gets `Authorization: Bearer <access
/// token>` from the session of the mounted `<AuthProvider>` (refreshed first if it has
/// expired). When the server answers 401 and a refresh token is held, the session is
/// refreshed and the call is sent again, once; the refreshed session is published to
/// [`use_auth`](super::use_auth), with its events. Calls with a form-data, multipart or
/// streaming body are sent with the token but not retried (their body cannot be replayed).
///
/// Server functions are compiled on the server too, where this type stands for the
/// ordinary browser client and is never used to send anything.
#[derive(Clone, Copy, Debug, Default)]
pub struct CognitoServerFnClient;

/// The mounted `<AuthProvider>`'s state, for the client (set when it is built).
#[cfg(any(feature = "hydrate", feature = "hydrate-server-session"))]
mod provider {
    use std::cell::Cell;

    use crate::components::state::AuthState;

    thread_local! {
        static PROVIDER: Cell<Option<AuthState>> = const { Cell::new(None) };
    }

    /// Called by `<AuthProvider>` in the browser.
    pub(crate) fn register(state: AuthState) {
        PROVIDER.with(|p| p.set(Some(state)));
    }

    /// The provider's state, if one is mounted.
    pub(crate) fn state() -> Option<AuthState> {
        PROVIDER.with(Cell::get)
    }

    /// `x-csrf-token` with the server session's anti-forgery token, in server-session mode.
    pub(crate) fn add_csrf_token(request: &leptos::server_fn::request::browser::BrowserRequest) {
        // Without the server-session side in this build, there is no such token.
        #[cfg(feature = "hydrate-server-session")]
        if let Some(token) = state()
            .filter(AuthState::is_server_mode)
            .and_then(|s| s.csrf_token())
        {
            request.headers().set(crate::protocol::CSRF_HEADER, &token);
        }
        #[cfg(not(feature = "hydrate-server-session"))]
        let _ = request;
    }
}

#[cfg(not(feature = "hydrate"))]
mod native {
    use super::CognitoServerFnClient;
    use leptos::server_fn::client::browser::BrowserClient;
    use leptos::server_fn::client::Client;
    use leptos::server_fn::error::FromServerFnError;
    use leptos::server_fn::request::browser::BrowserRequest;
    use leptos::server_fn::response::browser::BrowserResponse;
    use leptos::server_fn::Bytes;
    use std::future::Future;

    impl<E, IS, OS> Client<E, IS, OS> for CognitoServerFnClient
    where
        E: FromServerFnError,
        IS: FromServerFnError,
        OS: FromServerFnError,
    {
        type Request = BrowserRequest;
        type Response = BrowserResponse;

        fn send(req: Self::Request) -> impl Future<Output = Result<Self::Response, E>> + Send {
            // A browser build for server sessions only: the session is the cookie, and
            // state-changing calls carry the anti-forgery token.
            #[cfg(feature = "hydrate-server-session")]
            super::provider::add_csrf_token(&req);
            <BrowserClient as Client<E, IS, OS>>::send(req)
        }

        #[allow(clippy::type_complexity)]
        fn open_websocket(
            path: &str,
        ) -> impl Future<
            Output = Result<
                (
                    impl futures::Stream<Item = Result<Bytes, Bytes>> + Send + 'static,
                    impl futures::Sink<Bytes> + Send + 'static,
                ),
                E,
            >,
        > + Send {
            <BrowserClient as Client<E, IS, OS>>::open_websocket(path)
        }

        fn spawn(future: impl Future<Output = ()> + Send + 'static) {
            <BrowserClient as Client<E, IS, OS>>::spawn(future)
        }
    }
}

#[cfg(feature = "hydrate")]
pub use browser::AuthorizedRequest;

#[cfg(feature = "hydrate")]
mod browser {
    use std::future::Future;

    use gloo_net::http::Method;
    use leptos::__reexports::send_wrapper::SendWrapper;
    use leptos::prelude::*;
    use leptos::server_fn::request::browser::{BrowserFormData, BrowserRequest};
    use leptos::server_fn::request::ClientReq;
    use leptos::server_fn::response::browser::BrowserResponse;
    use leptos::server_fn::response::ClientRes;

    use super::CognitoServerFnClient;
    use crate::protocol::AuthError;
    use leptos::server_fn::client::browser::BrowserClient;
    use leptos::server_fn::client::Client;
    use leptos::server_fn::error::FromServerFnError;
    use leptos::server_fn::Bytes;

    /// What a request was built from, so it can be built again for the retry.
    enum Body {
        Query(String),
        Text(String),
        Bytes(Bytes),
    }

    struct Replay {
        path: String,
        content_type: String,
        accepts: String,
        body: Body,
        method: Method,
    }

    impl Replay {
        fn rebuild<E: FromServerFnError>(self) -> Result<BrowserRequest, E> {
            let Replay {
                path,
                content_type,
                accepts,
                body,
                method,
            } = self;
            match body {
                Body::Query(q) => <BrowserRequest as ClientReq<E>>::try_new_req_query(
                    &path,
                    &content_type,
                    &accepts,
                    &q,
                    method,
                ),
                Body::Text(t) => <BrowserRequest as ClientReq<E>>::try_new_req_text(
                    &path,
                    &content_type,
                    &accepts,
                    t,
                    method,
                ),
                Body::Bytes(b) => <BrowserRequest as ClientReq<E>>::try_new_req_bytes(
                    &path,
                    &content_type,
                    &accepts,
                    b,
                    method,
                ),
            }
        }
    }

    /// A server-function request that can be sent again after a refresh (a `fetch`
    /// request plus what it was built from).
    pub struct AuthorizedRequest {
        inner: BrowserRequest,
        replay: Option<Replay>,
    }

    impl std::fmt::Debug for AuthorizedRequest {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("AuthorizedRequest")
                .field("inner", &self.inner)
                .field("replayable", &self.replay.is_some())
                .finish()
        }
    }

    fn replay(path: &str, content_type: &str, accepts: &str, body: Body, method: Method) -> Replay {
        Replay {
            path: path.to_owned(),
            content_type: content_type.to_owned(),
            accepts: accepts.to_owned(),
            body,
            method,
        }
    }

    impl<E: FromServerFnError> ClientReq<E> for AuthorizedRequest {
        type FormData = BrowserFormData;

        fn try_new_req_query(
            path: &str,
            content_type: &str,
            accepts: &str,
            query: &str,
            method: Method,
        ) -> Result<Self, E> {
            let again = replay(
                path,
                content_type,
                accepts,
                Body::Query(query.to_owned()),
                method.clone(),
            );
            Ok(Self {
                inner: <BrowserRequest as ClientReq<E>>::try_new_req_query(
                    path,
                    content_type,
                    accepts,
                    query,
                    method,
                )?,
                replay: Some(again),
            })
        }

        fn try_new_req_text(
            path: &str,
            content_type: &str,
            accepts: &str,
            body: String,
            method: Method,
        ) -> Result<Self, E> {
            let again = replay(
                path,
                content_type,
                accepts,
                Body::Text(body.clone()),
                method.clone(),
            );
            Ok(Self {
                inner: <BrowserRequest as ClientReq<E>>::try_new_req_text(
                    path,
                    content_type,
                    accepts,
                    body,
                    method,
                )?,
                replay: Some(again),
            })
        }

        fn try_new_req_bytes(
            path: &str,
            content_type: &str,
            accepts: &str,
            body: Bytes,
            method: Method,
        ) -> Result<Self, E> {
            let again = replay(
                path,
                content_type,
                accepts,
                Body::Bytes(body.clone()),
                method.clone(),
            );
            Ok(Self {
                inner: <BrowserRequest as ClientReq<E>>::try_new_req_bytes(
                    path,
                    content_type,
                    accepts,
                    body,
                    method,
                )?,
                replay: Some(again),
            })
        }

        fn try_new_req_form_data(
            path: &str,
            accepts: &str,
            content_type: &str,
            body: Self::FormData,
            method: Method,
        ) -> Result<Self, E> {
            Ok(Self {
                inner: <BrowserRequest as ClientReq<E>>::try_new_req_form_data(
                    path,
                    accepts,
                    content_type,
                    body,
                    method,
                )?,
                replay: None,
            })
        }

        fn try_new_req_multipart(
            path: &str,
            accepts: &str,
            body: Self::FormData,
            method: Method,
        ) -> Result<Self, E> {
            Ok(Self {
                inner: <BrowserRequest as ClientReq<E>>::try_new_req_multipart(
                    path, accepts, body, method,
                )?,
                replay: None,
            })
        }

        fn try_new_req_streaming(
            path: &str,
            accepts: &str,
            content_type: &str,
            body: impl futures::Stream<Item = Bytes> + Send + 'static,
            method: Method,
        ) -> Result<Self, E> {
            Ok(Self {
                inner: <BrowserRequest as ClientReq<E>>::try_new_req_streaming(
                    path,
                    accepts,
                    content_type,
                    body,
                    method,
                )?,
                replay: None,
            })
        }
    }

    /// A valid access token of the provider's session ([`CognitoAuth::access_token`]):
    /// the cached one, or refreshed first when it has expired. `None` when signed out, so
    /// the call goes without a token. A refresh made here is published to `use_auth()`
    /// with its events, like the provider's own; it shares one request with them (the
    /// client's lock).
    ///
    /// [`CognitoAuth::access_token`]: crate::CognitoAuth::access_token
    async fn access_token(force_refresh: bool) -> Option<String> {
        let state = super::provider::state()?;
        let client = state.client.try_get_value().flatten()?;
        let cached = client.get_cached_session()?;
        let refreshes = force_refresh || !client.is_valid(&cached);
        let result = client.access_token(force_refresh).await;
        if refreshes && cached.refresh_token().is_some() {
            let published = match &result {
                Ok(_) => client.get_cached_session().ok_or(AuthError::NoSession),
                Err(e) => Err(e.clone()),
            };
            state.finish_refresh(&client, published);
        }
        result.ok()
    }

    fn authorize(request: &BrowserRequest, token: Option<&str>) {
        super::provider::add_csrf_token(request);
        if let Some(token) = token {
            request
                .headers()
                .set("Authorization", &format!("Bearer {token}"));
        }
    }

    impl<E, IS, OS> Client<E, IS, OS> for CognitoServerFnClient
    where
        E: FromServerFnError,
        IS: FromServerFnError,
        OS: FromServerFnError,
    {
        type Request = AuthorizedRequest;
        type Response = BrowserResponse;

        fn send(req: Self::Request) -> impl Future<Output = Result<Self::Response, E>> + Send {
            SendWrapper::new(async move {
                let AuthorizedRequest { inner, replay } = req;
                let replayable = replay.is_some();
                let mut first = Some(inner);
                let mut replay = replay;
                // The first call sends the request as built; the retry, one rebuilt from
                // what it was built from (a body that cannot be replayed is not retried).
                let send = |token: Option<&str>| {
                    // (`replay` is taken only once `first` is spent: the retry needs it.)
                    let request = match first.take().ok_or_else(|| replay.take()) {
                        Ok(request) => Ok(request),
                        Err(Some(replay)) => replay.rebuild::<E>(),
                        Err(None) => Err(E::from_server_fn_error(
                            leptos::server_fn::error::ServerFnErrorErr::Request(
                                "the request was already sent".into(),
                            ),
                        )),
                    };
                    if let Ok(request) = &request {
                        authorize(request, token);
                    }
                    async move { <BrowserClient as Client<E, IS, OS>>::send(request?).await }
                };
                crate::client::call_with_retry(
                    |force| async move { Ok(access_token(force).await) },
                    send,
                    |response| {
                        replayable && <BrowserResponse as ClientRes<E>>::status(response) == 401
                    },
                )
                .await
            })
        }

        #[allow(clippy::type_complexity)]
        fn open_websocket(
            path: &str,
        ) -> impl Future<
            Output = Result<
                (
                    impl futures::Stream<Item = Result<Bytes, Bytes>> + Send + 'static,
                    impl futures::Sink<Bytes> + Send + 'static,
                ),
                E,
            >,
        > + Send {
            <BrowserClient as Client<E, IS, OS>>::open_websocket(path)
        }

        fn spawn(future: impl Future<Output = ()> + Send + 'static) {
            <BrowserClient as Client<E, IS, OS>>::spawn(future)
        }
    }
}

#[cfg(any(feature = "hydrate", feature = "hydrate-server-session"))]
pub(crate) use provider::register;
