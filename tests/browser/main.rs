//! Browser tests: the comment section on the demo article page, in real
//! headless Chromium driven through ChromeDriver, against the real server on a
//! fresh database per test.
//!
//! They need Debian's `chromium` and `chromium-driver`. Without them they are
//! skipped with a note, except under `CI`, where they fail.

mod driver;
#[allow(dead_code)] // shared with the API tests; this binary uses part of it
#[path = "../api/helpers.rs"]
mod helpers;
#[allow(dead_code)] // shared with the API tests, for the sign-in tests
#[path = "../api/provider.rs"]
mod provider;
mod widget;

mod counter;
mod desk;
mod desk_attack;
mod desk_bench;
mod keyboard;
mod posting;
mod reactions;
mod safety;
mod screenshots;
mod sign_in;
mod standing;
