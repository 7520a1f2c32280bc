//! The browser side of server sessions in headless Chromium (wasm-bindgen-test), built as
//! an app that only uses server sessions builds it: feature `hydrate-server-session`
//! alone. Run with `scripts/test-wasm.sh`. Nothing is contacted: the page's `fetch` is
//! replaced by one that answers when the test says so.
#![cfg(all(target_arch = "wasm32", feature = "hydrate-server-session"))]

use leptos::prelude::*;
use leptos_cognito_auth::components::{use_auth, ServerSessionProvider, SignOutButton, UseAuth};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn eval(code: &str) -> JsValue {
    js_sys::eval(code).unwrap_or_else(|e| panic!("eval failed: {e:?}"))
}

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .expect("the tests run in a window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .expect("setTimeout");
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .expect("the timer resolves");
}

/// Asks the server for the session as it is created (what `refresh()` does in this mode).
#[component]
fn CheckWithServer() -> impl IntoView {
    use_auth().refresh();
    "app"
}

/// A session check that the provider started and that ends after the provider unmounted
/// (the app left the page part that held it) publishes nothing: its values are disposed,
/// and reading them would panic (which stops the whole app in wasm).
#[wasm_bindgen_test]
async fn a_session_check_ending_after_the_provider_unmounts_publishes_nothing() {
    // Any panic, in this test or in a task it started, is noted on the page.
    let before = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = js_sys::Reflect::set(
            &js_sys::global(),
            &JsValue::from_str("__lcaPanic"),
            &JsValue::from_str(&info.to_string()),
        );
        before(info);
    }));
    // The session route answers only when the test says so, with a signed-in view.
    eval(
        r#"globalThis.__lcaRealFetch = globalThis.fetch; globalThis.__lcaSessionRequests = [];
           globalThis.fetch = (url) => new Promise((resolve) => {
               globalThis.__lcaSessionRequests.push(String(url));
               globalThis.__lcaAnswer = () => resolve(new Response(JSON.stringify({
                   user: { username: "dave", groups: [], scopes: ["openid"],
                           expires_at: 2000000000 },
                   csrf_token: "token", sign_in_path: "/auth/sign-in",
                   sign_out_path: "/auth/sign-out", session_path: "/auth/session",
               }), { status: 200, headers: { "content-type": "application/json" } }));
           });"#,
    );
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let mounted = leptos::mount::mount_to(host.clone().unchecked_into(), || {
        view! { <ServerSessionProvider><CheckWithServer/></ServerSessionProvider> }
    });
    let mut waited = 0;
    while eval("globalThis.__lcaSessionRequests.length").as_f64() != Some(1.0) && waited < 5_000 {
        sleep_ms(20).await;
        waited += 20;
    }
    let requests = eval("globalThis.__lcaSessionRequests.join(' ')").as_string();
    drop(mounted);
    eval("globalThis.__lcaAnswer && globalThis.__lcaAnswer();");
    sleep_ms(300).await;
    let panic = eval("globalThis.__lcaPanic").as_string();
    eval(
        "globalThis.fetch = globalThis.__lcaRealFetch; delete globalThis.__lcaRealFetch;
         delete globalThis.__lcaSessionRequests; delete globalThis.__lcaAnswer;
         delete globalThis.__lcaPanic;",
    );
    host.remove();

    assert_eq!(
        requests.as_deref(),
        Some("/auth/session"),
        "the provider asked the session route"
    );
    assert_eq!(panic, None, "nothing panicked");
    assert_eq!(host.child_element_count(), 0, "the provider unmounted");
}

/// Shows the user's groups, and a sign-out button rendered once (the user stays signed in,
/// so nothing renders it again); hands the test the auth handle.
#[component]
fn Account(handle: RwSignal<Option<UseAuth>>) -> impl IntoView {
    let auth = use_auth();
    handle.set(Some(auth));
    view! {
        <p id="groups">{move || auth.user.get().map(|u| u.groups.join(","))}</p>
        <SignOutButton/>
    }
}

/// A view the session route answers: signed in as `user` with `groups`, and `token`.
fn signed_in_view(user: &str, groups: &[&str], token: &str) -> String {
    let groups: Vec<String> = groups.iter().map(|g| format!("\"{g}\"")).collect();
    format!(
        r#"{{"user":{{"username":"{user}","groups":[{}],"scopes":["openid"],"expires_at":2000000000}},
            "csrf_token":"{token}","sign_in_path":"/auth/sign-in","sign_out_path":"/auth/sign-out",
            "session_path":"/auth/session"}}"#,
        groups.join(",")
    )
}

/// A new session under a page that stays signed in (signed out and in again in another
/// tab, as another user): the page shows the new user, and the sign-out form, which
/// nothing renders again, carries the new session's token (the old one would be refused).
#[wasm_bindgen_test]
async fn a_new_session_renews_the_token_of_the_forms_already_on_the_page() {
    eval(
        r#"globalThis.__lcaRealFetch = globalThis.fetch; globalThis.__lcaViews = [];
           globalThis.fetch = () => Promise.resolve(new Response(globalThis.__lcaViews.shift(),
               { status: 200, headers: { "content-type": "application/json" } }));"#,
    );
    let views = js_sys::Reflect::get(&js_sys::global(), &"__lcaViews".into()).unwrap();
    let views: js_sys::Array = views.unchecked_into();
    views.push(&signed_in_view("alice", &["staff"], "token-of-alice").into());
    views.push(&signed_in_view("bob", &["admin", "staff"], "token-of-bob").into());

    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let handle = RwSignal::new(None);
    let mounted = leptos::mount::mount_to(host.clone().unchecked_into(), move || {
        view! { <ServerSessionProvider><Account handle/></ServerSessionProvider> }
    });
    let field_value = || {
        host.query_selector("form input[name=csrf_token]")
            .unwrap()
            .and_then(|field| field.get_attribute("value"))
    };
    let groups = || {
        host.query_selector("#groups")
            .unwrap()
            .and_then(|p| p.text_content())
            .unwrap_or_default()
    };
    let wait_for = |expected: &'static str| async move {
        let mut waited = 0;
        while groups() != expected && waited < 5_000 {
            sleep_ms(20).await;
            waited += 20;
        }
    };
    let auth = handle.get_untracked().expect("the provider's handle");
    auth.refresh();
    wait_for("staff").await;
    let first = (groups(), field_value());
    auth.refresh();
    wait_for("admin,staff").await;
    let second = (groups(), field_value());
    let forms = host.inner_html().matches("<form").count();
    drop(mounted);
    host.remove();
    eval(
        "globalThis.fetch = globalThis.__lcaRealFetch; delete globalThis.__lcaRealFetch;
         delete globalThis.__lcaViews;",
    );

    assert_eq!(
        first,
        ("staff".to_owned(), Some("token-of-alice".to_owned()))
    );
    assert_eq!(
        second,
        ("admin,staff".to_owned(), Some("token-of-bob".to_owned())),
        "the form kept on the page carries the new session's token"
    );
    assert_eq!(forms, 1, "one sign-out form, never rendered again");
}
