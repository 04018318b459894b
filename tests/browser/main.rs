//! Browser tests: a person's task in Debian's chromium, driven over WebDriver (chromedriver),
//! against an idm the test started; each result is checked through the API too.
//!
//! Without chromium and chromedriver the tests say that they skipped and how to enable them;
//! with `IDM_REQUIRE_BROWSER=1` (as `.ci/run` sets) a missing browser is a failure.
#![expect(
    clippy::expect_used,
    reason = "a test fails loudly at the first broken step"
)]

#[path = "../api/helpers.rs"]
mod helpers;

mod console;
mod driver;
mod graphiql;
mod jobs;
mod oidc;
#[path = "../api/provider.rs"]
mod provider;
