//! GraphiQL as a newcomer uses it: open it, read the docs, let it complete a field, paste a
//! token and run a query.

use fantoccini::Locator;
use serde_json::json;

use crate::driver::{browser, screenshot, wait_for, wait_until};
use crate::helpers::app_with_admin;

/// WebDriver keys: Ctrl-A, Escape, Ctrl-Enter (a modifier holds until the NULL key).
const SELECT_ALL: &str = "\u{e009}a\u{e000}";
const ESCAPE: &str = "\u{e00c}";
const CTRL_ENTER: &str = "\u{e009}\u{e007}\u{e000}";

/// The value of the CodeMirror editor under `css`, read through CodeMirror itself.
const EDITOR_VALUE: &str = "return document.querySelector(arguments[0]).CodeMirror.getValue();";

#[tokio::test]
async fn a_newcomer_reads_the_docs_gets_completion_and_runs_a_query_with_a_token() {
    let Some(client) = browser().await else {
        return;
    };
    let (app, admin) = app_with_admin().await;
    client
        .goto(&app.url("/graphiql"))
        .await
        .expect("open GraphiQL");

    // The docs, before any token: Query, then `users` with its description.
    wait_for(&client, "button[aria-label='Show Documentation Explorer']")
        .await
        .click()
        .await
        .expect("open the docs");
    wait_until(
        &client,
        "the docs list the root type Query",
        "const query = [...document.querySelectorAll('a.graphiql-doc-explorer-type-name')]
            .find(a => a.textContent === 'Query');
         if (query) { query.click(); }
         return !!query;",
    )
    .await;
    wait_until(
        &client,
        "the docs list users with its description",
        "return [...document.querySelectorAll('.graphiql-doc-explorer-item')].some(i =>
            i.querySelector('.graphiql-doc-explorer-field-name')?.textContent === 'users'
            && i.textContent.includes('The users the requester may see'));",
    )
    .await;

    // The first tab holds the example; the Headers editor the empty bearer.
    let headers = client
        .execute(
            "return [...document.querySelectorAll('.graphiql-editor-tool .CodeMirror')]
                .map(e => e.CodeMirror.getValue());",
            vec![],
        )
        .await
        .expect("editors");
    assert!(
        headers.to_string().contains("Bearer "),
        "headers prefilled: {headers}"
    );
    let example = client
        .execute(
            EDITOR_VALUE,
            vec![json!(".graphiql-query-editor .CodeMirror")],
        )
        .await
        .expect("query editor");
    assert!(
        example.as_str().unwrap_or("").contains("query Me"),
        "{example}"
    );

    // Completion offers `users` on typing its first letters (over the example, selected).
    let editor = client
        .find(Locator::Css(".graphiql-query-editor .CodeMirror textarea"))
        .await
        .expect("editor input");
    editor
        .send_keys(&format!("{SELECT_ALL}{{ use"))
        .await
        .expect("type");
    wait_until(
        &client,
        "completion offers users",
        "return [...document.querySelectorAll('.CodeMirror-hint')].some(h => h.textContent.trim() === 'users');",
    )
    .await;

    // A token in the Headers tab, then `{ me { email } }` typed and run with Ctrl-Enter.
    let token = app.token(admin);
    client
        .execute(
            "const headers = [...document.querySelectorAll('.graphiql-editor-tool .CodeMirror')]
                 .map(e => e.CodeMirror)
                 .find(cm => cm.getValue().includes('Authorization'));
             headers.setValue(JSON.stringify({Authorization: 'Bearer ' + arguments[0]}));",
            vec![json!(token)],
        )
        .await
        .expect("paste the token");
    let editor = client
        .find(Locator::Css(".graphiql-query-editor .CodeMirror textarea"))
        .await
        .expect("editor input");
    editor
        .send_keys(&format!(
            "{ESCAPE}{SELECT_ALL}{{ me {{ email }} }}{CTRL_ENTER}"
        ))
        .await
        .expect("type and run");
    wait_until(
        &client,
        "the result shows the admin's email",
        "const r = document.querySelector('.result-window .CodeMirror');
         return !!r && r.CodeMirror.getValue().includes('csa@example.org');",
    )
    .await;
    let shown = client
        .execute(EDITOR_VALUE, vec![json!(".result-window .CodeMirror")])
        .await
        .expect("result");
    let shown: serde_json::Value =
        serde_json::from_str(shown.as_str().expect("text")).expect("the result is JSON");
    let api = app.data(admin, "{ me { email } }", json!({})).await;
    assert_eq!(shown["data"], api, "GraphiQL shows what the API answers");
    screenshot(&client, "graphiql.png").await;
    // Nothing of the token reached the browser's storage.
    let stored = client
        .execute(
            "return JSON.stringify(Object.assign({}, localStorage)) + JSON.stringify(Object.assign({}, sessionStorage));",
            vec![],
        )
        .await
        .expect("storage");
    assert!(
        !stored.to_string().contains(&token),
        "the token was stored: {stored}"
    );
    client.close().await.expect("close");
}
