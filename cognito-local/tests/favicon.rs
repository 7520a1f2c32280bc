//! The emulator's icon: browsers ask for `/favicon.ico` (or the icon a page links) on every
//! page, and a 404 there is a console error in every one of them.

mod common;

use common::*;
use reqwest::header::CONTENT_TYPE;
use reqwest::StatusCode;

#[tokio::test]
async fn favicon_answers_with_an_image() {
    let h = start().await;
    for path in ["/favicon.ico", "/favicon.svg"] {
        let response = h.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let content_type = response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(content_type.starts_with("image/"), "{path}: {content_type}");
        assert_eq!(content_type, "image/svg+xml", "{path}");
        let body = response.text().await.unwrap();
        assert!(body.starts_with("<svg"), "{path}: {body}");
        assert!(body.len() < 1024, "{path}: a small icon");
    }
}

#[tokio::test]
async fn every_page_links_the_icon() {
    let h = start().await;
    let link = r#"<link rel="icon" href="/favicon.svg" type="image/svg+xml">"#;
    let index = h.get("/").await.text().await.unwrap();
    assert!(index.contains(link), "{index}");
    let missing = h.get("/no-such-page").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.text().await.unwrap().contains(link));
    let response = h.authorize(&code_params(&[])).await;
    let login = h.http.get(location(&response)).send().await.unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    assert!(login.text().await.unwrap().contains(link));
}
