#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() {
    use axum::Router;
    use example_server_sessions::app::*;
    use leptos::logging::log;
    use leptos::prelude::*;
    use leptos_axum::{generate_route_list, LeptosRoutes};
    use leptos_cognito_auth::ssr::{MemorySessionStore, ServerSession};
    use leptos_cognito_auth::{CognitoConfig, StorageKind};

    let conf = get_configuration(None).unwrap();
    let addr = conf.leptos_options.site_addr;
    let leptos_options = conf.leptos_options;
    // Generate the list of routes in your Leptos App
    let routes = generate_route_list(App);

    // The Cognito settings live on the server only: the browser holds no token and needs
    // no configuration. These fit `cognito-local`'s defaults (its confidential client).
    // Open the app exactly at APP_ORIGIN: the sign-in comes back there.
    let origin = std::env::var("APP_ORIGIN").unwrap_or_else(|_| "http://localhost:3000".into());
    let config = CognitoConfig::builder()
        .client_id("local-server-client")
        .client_secret("local-server-secret") // stays on the server
        .app_web_domain("http://localhost:9229")
        .user_pool_id("us-east-1_LocalPool")
        .issuer("http://localhost:9229/us-east-1_LocalPool")
        .scopes(["openid", "email", "profile"])
        .redirect_uri_sign_in(format!("{origin}/callback"))
        .redirect_uri_sign_out(format!("{origin}/"))
        .storage(StorageKind::Server)
        .build()
        .expect("valid Cognito configuration");
    // One server: sessions in memory. The layer answers /auth/sign-in, the callback,
    // /auth/sign-out and /auth/session itself: the app needs no /callback route.
    let sessions = ServerSession::builder(config, MemorySessionStore::new())
        .protect([format!("/{PROTECTED}")])
        .build()
        .expect("server sessions");

    let app = Router::new()
        .leptos_routes(&leptos_options, routes, {
            let leptos_options = leptos_options.clone();
            move || shell(leptos_options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        // After the routes and the fallback, so that it wraps them all.
        .layer(sessions.layer())
        .with_state(leptos_options);

    log!("listening on http://{}", &addr);
    let listener = tokio::net::TcpListener::bind(&addr).await.unwrap();
    axum::serve(listener, app.into_make_service())
        .await
        .unwrap();
}

#[cfg(not(feature = "ssr"))]
pub fn main() {
    // no client-side main function
    // see lib.rs for hydration function instead
}
