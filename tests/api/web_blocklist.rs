//! The blocklist import of `/admin/domains` takes a CSV file (multipart) as well as pasted
//! text: one parser for both, the same report, and a clear refusal of a broken file.

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;

use crate::helpers::web::{Page, WebSession};
use crate::helpers::{hidden, TestApp};

async fn upload(web: &WebSession, token: &str, file: Option<Vec<u8>>, text: &str) -> Page {
    let mut form = Form::new()
        .text("authenticity_token", token.to_string())
        .text("data", text.to_string());
    if let Some(bytes) = file {
        form = form.part(
            "file",
            Part::bytes(bytes)
                .file_name("blocklist.csv")
                .mime_str("text/csv")
                .expect("mime"),
        );
    }
    let res = web
        .client
        .post(format!("{}/admin/domain_blocks/import", web.base))
        .multipart(form)
        .send()
        .await
        .expect("post");
    let status = res.status();
    Page {
        status,
        location: None,
        body: res.text().await.expect("body"),
    }
}

#[tokio::test]
async fn a_csv_file_imports_like_pasted_text() {
    let app = TestApp::spawn().await;
    let boss = app.admin().await;
    let admin = WebSession::sign_in(&app, "boss").await;
    let page = admin.get("/admin/domains").await;
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    assert!(page.body.contains("type=\"file\" name=\"file\""));
    let token = hidden(&page.body, "authenticity_token");

    let csv =
        "\u{feff}#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
               spam.example,suspend,false,false,Spam,false\n\
               loud.example,silence,true,false,,false\n\
               ,suspend,false,false,,false\n";
    let done = upload(&admin, &token, Some(csv.as_bytes().to_vec()), "").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("Blocked now (2)"), "{}", done.body);
    assert!(done.body.contains("Line 4: no domain"), "{}", done.body);
    let (_, blocks) = app
        .get("/api/v1/admin/domain_blocks", Some(&boss.token))
        .await;
    let domains: Vec<&str> = blocks
        .as_array()
        .expect("blocks")
        .iter()
        .filter_map(|b| b["domain"].as_str())
        .collect();
    assert!(domains.contains(&"spam.example") && domains.contains(&"loud.example"));

    // Pasted text still works through the multipart form, and a file wins over it.
    let pasted = upload(&admin, &token, None, "paste.example").await;
    assert!(pasted.body.contains("Blocked now (1)"), "{}", pasted.body);

    // A broken file: not text. Nothing is stored, the page says why.
    let broken = upload(&admin, &token, Some(vec![0xff, 0xfe, 0x00, 0x9f, 0x80]), "").await;
    assert_eq!(
        broken.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        broken.body
    );
    assert!(
        broken.body.contains("not a CSV text file"),
        "{}",
        broken.body
    );
    // Empty: neither file nor text.
    let empty = upload(&admin, &token, None, "  ").await;
    assert_eq!(
        empty.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        empty.body
    );
    assert!(empty.body.contains("choose a CSV file"), "{}", empty.body);
    // A forged form: no token.
    let forged = upload(&admin, "not-the-token", Some(b"evil.example".to_vec()), "").await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let (_, blocks) = app
        .get("/api/v1/admin/domain_blocks", Some(&boss.token))
        .await;
    assert_eq!(blocks.as_array().expect("blocks").len(), 3, "{blocks}");
}
