//! A real OpenID provider for the tests (npm `oidc-provider`, `tests/oidc/provider.mjs`),
//! installed from its lock file on first use and killed with its handle.
#![allow(
    dead_code,
    reason = "shared by the api and browser binaries; each uses a part of it"
)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Once;

use serde_json::{json, Value};

pub const AUDIENCE: &str = "urn:idm";
pub const PROVIDER_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oidc");

/// Installs the provider's npm package once per test binary (`npm ci`, from the lock file).
fn install_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        if std::path::Path::new(PROVIDER_DIR)
            .join("node_modules/oidc-provider")
            .is_dir()
        {
            return;
        }
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix", PROVIDER_DIR])
            .status()
            .expect(
                "npm runs (apt-get install nodejs npm): the tests start a real OpenID provider",
            );
        assert!(status.success(), "npm ci in tests/oidc");
    });
}

/// A running provider; killed when dropped.
pub struct Provider {
    pub issuer: String,
    process: Child,
    http: reqwest::Client,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Test users: client id → email (each client's access tokens carry that email).
const CLIENTS: &str = r#"{"csa":"csa@example.org","other":"nobody@example.org"}"#;

impl Provider {
    /// Starts the provider on `port` (0: any) signing with `algs`.
    pub fn start(port: u16, algs: &str, console_redirect: Option<&str>) -> Self {
        Self::start_with(port, algs, console_redirect, 600)
    }

    /// As [`Provider::start`], its tokens living `token_ttl` seconds.
    pub fn start_with(
        port: u16,
        algs: &str,
        console_redirect: Option<&str>,
        token_ttl: u32,
    ) -> Self {
        install_provider();
        let mut command = Command::new("node");
        command
            .arg(format!("{PROVIDER_DIR}/provider.mjs"))
            .env("PORT", port.to_string())
            .env("CLIENTS", CLIENTS)
            .env("AUDIENCE", AUDIENCE)
            .env("ALGS", algs)
            .env("TOKEN_TTL", token_ttl.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(redirect) = console_redirect {
            command.env("CONSOLE_REDIRECT", redirect);
        }
        let mut process = command.spawn().expect("node runs the provider");
        let stdout = process.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the provider says where it listens");
        let started: Value = serde_json::from_str(&line).expect("{\"issuer\": ...}");
        Self {
            issuer: started["issuer"].as_str().expect("issuer").to_owned(),
            process,
            http: reqwest::Client::new(),
        }
    }

    /// An access token of the provider's client-credentials grant for `client`.
    pub async fn token(&self, client: &str) -> String {
        let res: Value = self
            .http
            .post(format!("{}/token", self.issuer))
            .basic_auth(client, Some("secret"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("resource", AUDIENCE),
                ("scope", "openid"),
            ])
            .send()
            .await
            .expect("token endpoint")
            .json()
            .await
            .expect("token json");
        res["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no access token: {res}"))
            .to_owned()
    }

    /// A token with exactly these claims, signed by the provider's current key (or the one of
    /// `alg`), with `kid` in its header when given.
    pub async fn sign(&self, claims: Value, alg: Option<&str>, kid: Option<&str>) -> String {
        let res: Value = self
            .http
            .post(format!("{}/test/sign", self.issuer))
            .json(&json!({ "claims": claims, "alg": alg, "kid": kid }))
            .send()
            .await
            .expect("sign")
            .json()
            .await
            .expect("json");
        res["token"].as_str().expect("token").to_owned()
    }

    pub async fn rotate(&self, algs: &[&str], keep: bool) {
        self.http
            .post(format!("{}/test/rotate", self.issuer))
            .json(&json!({ "algs": algs, "keep": keep }))
            .send()
            .await
            .expect("rotate");
    }

    /// How many times the key set was fetched.
    pub async fn fetches(&self) -> i64 {
        let res: Value = self
            .http
            .get(format!("{}/test/jwks-fetches", self.issuer))
            .send()
            .await
            .expect("count")
            .json()
            .await
            .expect("json");
        res["fetches"].as_i64().expect("fetches")
    }

    /// Good claims for `email`, valid for ten minutes.
    pub fn claims(&self, email: &str) -> Value {
        let now = chrono::Utc::now().timestamp();
        json!({ "email": email, "iss": self.issuer, "aud": AUDIENCE, "iat": now, "exp": now + 600 })
    }
}
