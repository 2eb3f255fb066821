//! Real headless Chromium through ChromeDriver, one of each per test.
//!
//! Each test starts its own `chromedriver` on a free port in its own process
//! group, with a fresh profile folder; dropping the [`Browser`] kills the group
//! (driver and browser), so a failing test leaves no Chromium behind.

use std::io::Write;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::{Semaphore, SemaphorePermit};

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";
const INSTALL: &str = "apt-get update && apt-get install -y chromium chromium-driver";

/// Window sizes, in CSS pixels.
pub const DESKTOP: (u32, u32) = (1280, 900);
pub const PHONE: (u32, u32) = (390, 844);

/// Browsers running at once, so a many-core test run does not start dozens.
static SLOTS: Semaphore = Semaphore::const_new(4);
static SKIPPED: Once = Once::new();

pub struct Browser {
    pub client: Client,
    /// ChromeDriver's port and the WebDriver session, for Chrome DevTools calls.
    port: u16,
    session: String,
    driver: Child,
    /// The profile (`--user-data-dir`) and the driver's log; removed after the kill.
    _profile: TempDir,
    _slot: SemaphorePermit<'static>,
}

impl Browser {
    /// A desktop-sized browser, or `None` when the tests are skipped (no
    /// ChromeDriver on a laptop). Without ChromeDriver under `CI` this fails.
    pub async fn launch() -> Option<Browser> {
        Browser::launch_sized(DESKTOP).await
    }

    pub async fn launch_sized((width, height): (u32, u32)) -> Option<Browser> {
        if !installed() {
            return None;
        }
        let slot = SLOTS
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let profile = tempfile::tempdir().expect("a profile folder");
        let mut last_error = String::new();
        // A free port can be taken between our probe and the driver's bind: retry.
        for _ in 0..3 {
            let port = free_port();
            let mut driver = start_driver(port, profile.path());
            match wait_for_status(port, &mut driver).await {
                Ok(()) => {
                    let client = connect(port, profile.path(), width, height)
                        .await
                        .unwrap_or_else(|e| {
                            kill_group(&mut driver);
                            panic!(
                                "ChromeDriver did not start Chromium: {e}\n{}",
                                driver_log(profile.path())
                            )
                        });
                    let session = client
                        .session_id()
                        .await
                        .ok()
                        .flatten()
                        .expect("a WebDriver session id");
                    let browser = Browser {
                        client,
                        port,
                        session,
                        driver,
                        _profile: profile,
                        _slot: slot,
                    };
                    browser.set_viewport(width, height).await;
                    return Some(browser);
                }
                Err(e) => {
                    kill_group(&mut driver);
                    last_error = e;
                }
            }
        }
        panic!(
            "ChromeDriver did not answer /status: {last_error}\n{}",
            driver_log(profile.path())
        );
    }

    /// Calls a Chrome DevTools Protocol method through ChromeDriver.
    pub async fn cdp(&self, method: &str, params: Value) -> Value {
        let url = format!(
            "http://127.0.0.1:{}/session/{}/goog/cdp/execute",
            self.port, self.session
        );
        let response = reqwest::Client::new()
            .post(&url)
            .json(&json!({ "cmd": method, "params": params }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method}: {e}"));
        let status = response.status();
        let body: Value = response.json().await.unwrap_or_default();
        assert!(status.is_success(), "{method}: {status} {body}");
        body["value"].clone()
    }

    /// Makes the page's viewport exactly `width` × `height` CSS pixels at
    /// scale 1 (`--window-size` sets the outer window, a little taller); a
    /// phone-narrow one is emulated as a mobile device, so the page's viewport
    /// meta tag applies.
    async fn set_viewport(&self, width: u32, height: u32) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600 }),
        )
        .await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        kill_group(&mut self.driver);
    }
}

/// Whether the browser tests can run here; panics under CI when they cannot.
fn installed() -> bool {
    let missing: Vec<&str> = [CHROMEDRIVER, CHROMIUM]
        .into_iter()
        .filter(|path| !Path::new(path).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "the browser tests need {} (missing); CI must install them: {INSTALL}",
            missing.join(" and ")
        );
    }
    SKIPPED.call_once(|| {
        // Straight to the terminal: the test harness captures `eprintln!`.
        let _ = writeln!(
            std::io::stderr(),
            "browser tests skipped: {} not found (install with `{INSTALL}`; under CI they fail)",
            missing.join(" and ")
        );
    });
    false
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

fn start_driver(port: u16, profile: &Path) -> Child {
    Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .arg(format!(
            "--log-path={}",
            profile.join("chromedriver.log").display()
        ))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own group, so the kill reaches the Chromium it starts too.
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("{CHROMEDRIVER} does not start: {e}"))
}

async fn wait_for_status(port: u16, driver: &mut Child) -> Result<(), String> {
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/status");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(Some(status)) = driver.try_wait() {
            return Err(format!("chromedriver exited with {status}"));
        }
        if let Ok(response) = client.get(&url).send().await
            && let Ok(body) = response.json::<Value>().await
            && body["value"]["ready"] == true
        {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            return Err(format!("no ready answer from {url} within 20 s"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn connect(port: u16, profile: &Path, width: u32, height: u32) -> Result<Client, String> {
    let args = [
        "--headless=new".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--disable-quic".to_owned(),
        "--no-first-run".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--force-device-scale-factor=1".to_owned(),
        format!("--window-size={width},{height}"),
        format!("--user-data-dir={}", profile.join("chromium").display()),
    ];
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!("a JSON object")
    };
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .map_err(|e| e.to_string())
}

/// Kills the driver's process group (ChromeDriver and the Chromium it started).
fn kill_group(driver: &mut Child) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", driver.id())])
        .stderr(Stdio::null())
        .status();
    let _ = driver.kill();
    let _ = driver.wait();
}

fn driver_log(profile: &Path) -> String {
    let log = std::fs::read_to_string(profile.join("chromedriver.log")).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    let tail = &lines[lines.len().saturating_sub(30)..];
    format!("chromedriver log (last lines):\n{}", tail.join("\n"))
}
