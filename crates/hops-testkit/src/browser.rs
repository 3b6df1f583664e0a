//! Headless Chromium through chromedriver (Debian `chromium` and `chromium-driver`), started on
//! a free port per test and stopped afterwards.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use thirtyfour::prelude::*;

pub struct Browser {
    pub driver: WebDriver,
    chromedriver: Child,
    profile: std::path::PathBuf,
}

/// Where the browser tests' screenshots go: `screenshots/` in the build directory
/// (`CARGO_TARGET_DIR`, by default `$HOME/.cache/hops-target`), outside the checkout.
pub fn screenshot_dir() -> std::path::PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/hops-target"));
    target.join("screenshots")
}

/// Saves a screenshot of what `driver` shows as `<screenshot_dir>/<name>.png`.
pub async fn screenshot(driver: &WebDriver, name: &str) {
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).expect("screenshot directory");
    driver.screenshot(&dir.join(format!("{name}.png"))).await.expect("screenshot");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session. Fails (never skips) when they are
    /// not installed: `.ci/run` installs them.
    pub async fn start() -> Browser {
        let driver_bin = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("chromedriver not installed (apt-get install chromium-driver)");
        let port = free_port();
        let chromedriver = Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = std::env::temp_dir().join(format!("hops-chromium-{}-{port}", std::process::id()));
        let mut caps = DesiredCapabilities::chrome();
        if std::path::Path::new("/usr/bin/chromium").exists() {
            caps.set_binary("/usr/bin/chromium").expect("binary");
        }
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1366,900",
            "--lang=zh-CN",
        ] {
            caps.add_arg(arg).expect("arg");
        }
        caps.add_arg(&format!("--user-data-dir={}", profile.display())).expect("arg");
        let driver = WebDriver::new(url, caps).await.expect("start headless Chromium session");
        Browser { driver, chromedriver, profile }
    }

    /// The visible text of the page body.
    pub async fn body_text(&self) -> String {
        self.driver.find(By::Tag("body")).await.expect("body").text().await.expect("text")
    }

    /// Waits (up to ten seconds) until the page body contains `needle`; its text then. The
    /// text is empty while a page is loading.
    pub async fn wait_for(&self, needle: &str) -> String {
        let mut t = String::new();
        for _ in 0..100 {
            t = match self.driver.find(By::Tag("body")).await {
                Ok(body) => body.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if t.contains(needle) {
                return t;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("page never showed {needle:?}: {t}");
    }

    pub async fn quit(self) {
        let _ = self.driver.clone().quit().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.chromedriver.kill();
        let _ = self.chromedriver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
