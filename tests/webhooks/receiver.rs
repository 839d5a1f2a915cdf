//! The tests' webhook receiver (`tests/webhooks/receiver.py`), started on
//! 127.0.0.1: it checks every delivery's signature with the independent
//! `standardwebhooks` library from PyPI, installed at the version pinned in
//! `tests/webhooks/requirements.txt` into a virtualenv under the Cargo
//! target directory (as `tests/schemathesis/run` installs Schemathesis).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use serde_json::{json, Value};

/// The repository's `tests/webhooks` folder.
pub fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|p| p.join("tests/webhooks"))
        .find(|p| p.join("receiver.py").is_file())
        .expect("tests/webhooks/receiver.py above the crate")
}

/// The Cargo target directory.
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => folder().join("../../target"),
    }
}

/// The virtualenv's Python, made (once per target directory, and again
/// when the pins change) with the pinned requirements.
pub fn python() -> PathBuf {
    static MADE: OnceLock<PathBuf> = OnceLock::new();
    MADE.get_or_init(|| venv_python(&folder(), "webhooks"))
        .clone()
}

/// The Python of virtualenv `name` under the Cargo target directory, made
/// (again when the pins change) with `folder`'s `requirements.txt`.
pub fn venv_python(folder: &Path, name: &str) -> PathBuf {
    static MAKING: Mutex<()> = Mutex::new(());
    let _one = MAKING.lock().unwrap_or_else(|e| e.into_inner());
    let requirements = folder.join("requirements.txt");
    let venv = target_dir().join(format!("{name}-venv"));
    let pins = std::fs::read(&requirements).expect("reading requirements.txt");
    if std::fs::read(venv.join("requirements.txt")).ok().as_ref() == Some(&pins) {
        return venv.join("bin/python");
    }
    // Made beside it and moved into place, so that test binaries
    // running at once never see half a virtualenv.
    let making = target_dir().join(format!("{name}-venv.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&making);
    let run = |command: &mut Command| {
        let status = command.status().expect("running python3");
        assert!(
            status.success(),
            "{command:?} failed: the tests' Python peers need python3 with venv (Debian: python3-venv) and PyPI"
        );
    };
    run(Command::new("python3").arg("-m").arg("venv").arg(&making));
    run(Command::new(making.join("bin/python"))
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&requirements));
    std::fs::write(making.join("requirements.txt"), &pins).expect("writing the pins");
    let _ = std::fs::remove_dir_all(&venv);
    if std::fs::rename(&making, &venv).is_err() {
        // Another test binary put one in place first.
        let _ = std::fs::remove_dir_all(&making);
    }
    venv.join("bin/python")
}

/// A running receiver; stopped when dropped.
#[derive(Debug)]
pub struct Receiver {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    client: reqwest::Client,
}

impl Receiver {
    /// Start a receiver on a free port.
    pub fn start() -> Self {
        let mut child = Command::new(python())
            .arg(folder().join("receiver.py"))
            .stdout(Stdio::piped())
            .stdin(Stdio::null())
            .spawn()
            .expect("starting the webhook receiver");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("its output"))
            .read_line(&mut line)
            .expect("reading the receiver's port");
        let port: u16 = line.trim().parse().expect("the receiver's port");
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
        }
    }

    /// The URL of hook `name`.
    pub fn url(&self, name: &str) -> String {
        format!("{}/hook/{name}", self.base)
    }

    /// Check hook `name`'s deliveries with `secret`; answer the first ones
    /// with `answers` (then 200); hold the first `hangs` for `hang`.
    pub async fn configure(
        &self,
        name: &str,
        secret: &str,
        answers: &[u16],
        hangs: u32,
        hang: Duration,
    ) {
        let status = self
            .client
            .put(format!("{}/control/{name}", self.base))
            .json(&json!({
                "secret": secret,
                "answers": answers,
                "hangs": hangs,
                "hang_ms": u64::try_from(hang.as_millis()).unwrap_or(u64::MAX),
            }))
            .send()
            .await
            .expect("configuring the receiver")
            .status();
        assert_eq!(status.as_u16(), 204);
    }

    /// What hook `name` received: `requests` (each with `id`, `verified`,
    /// `status`, `body`) and `taken` (the webhook-ids accepted, once each).
    pub async fn received(&self, name: &str) -> Value {
        self.client
            .get(format!("{}/control/{name}", self.base))
            .send()
            .await
            .expect("asking the receiver")
            .json()
            .await
            .expect("the receiver's JSON")
    }

    /// Wait (up to `within`) until hook `name` took `count` webhook-ids;
    /// returns what it received.
    pub async fn wait_for(&self, name: &str, count: usize, within: Duration) -> Value {
        let deadline = std::time::Instant::now() + within;
        loop {
            let received = self.received(name).await;
            let taken = received["taken"].as_array().map_or(0, Vec::len);
            if taken >= count {
                return received;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "hook {name} took {taken} of {count} webhooks within {within:?}: {received:#}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
