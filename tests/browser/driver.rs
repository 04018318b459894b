//! One chromedriver for the whole test binary and a headless chromium session per test.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

/// Where Debian puts the browser and its driver (`apt-get install chromium chromium-driver`);
/// `IDM_CHROMIUM` and `IDM_CHROMEDRIVER` point elsewhere.
fn paths() -> Option<(PathBuf, PathBuf)> {
    let chromium = std::env::var_os("IDM_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let driver = std::env::var_os("IDM_CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"));
    (chromium.exists() && driver.exists()).then_some((chromium, driver))
}

/// The running chromedriver, started by the first test that needs it and ended, with every
/// browser it started, when the binary exits (see [`start_driver`]).
struct Driver {
    url: String,
    _process: Mutex<Child>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts chromedriver under a shell that leads a process group of its own. chromedriver
/// outlives its parent, and the browsers of sessions a test did not close outlive
/// chromedriver; so the shell waits for the end of this binary (its stdin, a pipe from here,
/// closes, even on a crash) and then ends the whole group: chromedriver and its browsers.
fn start_driver(path: &Path) -> Driver {
    let port = free_port();
    let process = Command::new("sh")
        .arg("-c")
        .arg(r#""$0" --port="$1" & read -r _; kill -TERM -$$"#)
        .arg(path)
        .arg(port.to_string())
        .process_group(0)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    Driver {
        url,
        _process: Mutex::new(process),
    }
}

/// A headless chromium session, or None (after saying so) when the browser is missing and
/// `IDM_REQUIRE_BROWSER` is not set.
pub async fn browser() -> Option<Client> {
    session(None).await
}

/// Like [`browser`], with the screen of a phone of `width` × `height` CSS pixels (chromium's
/// mobile emulation: a desktop window cannot be made narrower than about 500 px).
pub async fn phone(width: u32, height: u32) -> Option<Client> {
    session(Some(serde_json::json!({
        "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1 },
    })))
    .await
}

/// A session; `mobile_emulation` is chromedriver's `mobileEmulation` option.
async fn session(mobile_emulation: Option<serde_json::Value>) -> Option<Client> {
    static DRIVER: OnceLock<Driver> = OnceLock::new();
    let Some((chromium, driver_path)) = paths() else {
        if std::env::var_os("IDM_REQUIRE_BROWSER").is_some() {
            panic!(
                "IDM_REQUIRE_BROWSER is set but /usr/bin/chromium or /usr/bin/chromedriver is \
                 missing: apt-get install -y chromium chromium-driver"
            );
        }
        eprintln!(
            "SKIPPED browser test: chromium and chromedriver are not installed \
             (apt-get install -y chromium chromium-driver; IDM_REQUIRE_BROWSER=1 makes this a failure)"
        );
        return None;
    };
    let driver = DRIVER.get_or_init(|| start_driver(&driver_path));
    let profile = tempfile::tempdir().expect("profile dir").keep();
    let mut options = serde_json::json!({
        "binary": chromium,
        "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--window-size=1400,900",
            format!("--user-data-dir={}", profile.display()),
        ],
    });
    if let Some(emulation) = mobile_emulation {
        options["mobileEmulation"] = emulation;
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".to_owned(), options);
    // chromedriver listens on loopback: plain HTTP, no TLS stack.
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a chromium session");
    Some(client)
}

/// Waits (up to 20 s) for an element and returns it.
pub async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    wait_for_element(client, Locator::Css(css)).await
}

/// Waits (up to 20 s) for an element found by any locator (XPath for a label's control or a
/// button's text) and returns it.
pub async fn wait_for_element(
    client: &Client,
    locator: Locator<'_>,
) -> fantoccini::elements::Element {
    let what = format!("{locator:?}");
    match client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(locator)
        .await
    {
        Ok(element) => element,
        Err(e) => fail(client, &format!("no {what} within 20 s: {e}")).await,
    }
}

/// Waits (up to 20 s) for an element and clicks it. An element that went stale between
/// finding and clicking (the page it was on navigated away, e.g. a login form's submit
/// button found just before the next page replaced it) is looked for again.
pub async fn click(client: &Client, css: &str) {
    for _ in 0..200 {
        let element = wait_for(client, css).await;
        match element.click().await {
            Ok(()) => return,
            Err(e) if e.is_stale_element_reference() => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => fail(client, &format!("cannot click {css}: {e}")).await,
        }
    }
    fail(client, &format!("{css} kept going stale for 20 s")).await
}

/// Fails the test with what the page shows: its text, and a screenshot (`failure.png` in
/// the target directory).
async fn fail(client: &Client, what: &str) -> ! {
    let text = client
        .execute("return document.body.innerText;", vec![])
        .await
        .map(|t| {
            t.as_str()
                .unwrap_or("")
                .chars()
                .take(3000)
                .collect::<String>()
        })
        .unwrap_or_default();
    if let Ok(png) = client.screenshot().await {
        let _ = std::fs::write(
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("failure.png"),
            png,
        );
    }
    panic!("{what}\n--- the page shows:\n{text}");
}

/// Waits (up to 20 s) until `script` (the body of a function) returns true.
pub async fn wait_until(client: &Client, what: &str, script: &str) {
    for _ in 0..200 {
        let value = client.execute(script, vec![]).await.expect("script runs");
        if value.as_bool() == Some(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    fail(client, &format!("{what}: not within 20 s")).await;
}

/// Saves a screenshot: into `docs/` (the README's) when `IDM_SCREENSHOTS` is set, else
/// into the target directory.
pub async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("screenshot");
    let dir = if std::env::var_os("IDM_SCREENSHOTS").is_some() {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs")
    } else {
        PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
    };
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    std::fs::write(dir.join(name), png).expect("write screenshot");
}
