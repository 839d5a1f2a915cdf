//! The deployment guide (docs/deploy.md) and the files it ships in
//! deploy/, followed where a test can: every setting the service reads is
//! in the guide; the systemd units verify (`systemd-analyze verify`, when
//! the machine has it); the service starts under the shipped environment
//! file and takes its first scheduled backup.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_balint-accredit");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap()
}

/// Every `env = "NAME"` in the sources.
fn settings_read(dir: &Path, found: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            settings_read(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for part in text.split("env = \"").skip(1) {
                found.push(part.split('"').next().unwrap().to_owned());
            }
        }
    }
}

#[test]
fn the_guide_names_every_setting_the_service_reads() {
    let mut names = Vec::new();
    settings_read(&repo().join("balint-accredit-api/src"), &mut names);
    names.sort();
    names.dedup();
    assert!(names.len() > 20, "{names:?}");
    let guide = read("docs/deploy.md");
    let missing: Vec<&String> = names
        .iter()
        .filter(|name| !guide.contains(&format!("`{name}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/deploy.md does not name {missing:?}"
    );
    // And the shipped environment file sets only real settings.
    for line in read("deploy/balint-accredit.env").lines() {
        let line = line.trim_start_matches("# ");
        if let Some((name, _)) = line.split_once('=') {
            if name.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                assert!(names.iter().any(|n| n == name), "{name} is not a setting");
            }
        }
    }
}

#[test]
fn the_systemd_units_verify() {
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("systemd-analyze is not installed: the units are not verified");
        return;
    }
    let dir = std::env::temp_dir().join(format!("balint-units-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut units = Vec::new();
    for name in [
        "balint-accredit.service",
        "balint-accredit-daily.service",
        "balint-accredit-daily.timer",
    ] {
        // The binary where this build put it, as systemd checks that it
        // is there.
        let text = read(&format!("deploy/{name}")).replace("/usr/local/bin/balint-accredit", BIN);
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        units.push(path);
    }
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .args(&units)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{out:?}");
}

#[test]
fn the_service_starts_under_the_shipped_environment() {
    let dir = std::env::temp_dir().join(format!("balint-deploy-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut command = Command::new(BIN);
    command.current_dir(&dir).env_clear().arg("serve");
    for line in read("deploy/balint-accredit.env").lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (name, value) = line.split_once('=').unwrap();
        // The machine's paths and port, moved into the test's directory.
        let value = match name {
            "DATABASE_URL" => format!("sqlite://{}", dir.join("balint.db").display()),
            "BACKUP_DIR" => dir.join("backups").display().to_string(),
            "CREDENTIAL_KEY_FILE" => dir.join("credential.key").display().to_string(),
            "BIND" => "127.0.0.1:0".to_owned(),
            _ => value.to_owned(),
        };
        command.env(name, value);
    }
    let mut child = command
        .env("PASSWORD_HASHING", "fast")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if let Ok(event) = serde_json::from_str::<serde_json::Value>(&line) {
                if let Some(port) = event["port"].as_u64() {
                    let _ = tx.send(port);
                }
            }
        }
    });
    let port = rx.recv_timeout(Duration::from_secs(30));
    let ready = port.map(|port| {
        let mut stream = TcpStream::connect(("127.0.0.1", u16::try_from(port).unwrap())).unwrap();
        stream
            .write_all(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    });
    let start = Instant::now();
    let backups = dir.join("backups");
    let backed_up = || {
        std::fs::read_dir(&backups).is_ok_and(|mut d| {
            d.any(|e| {
                e.unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".backup")
            })
        })
    };
    while !backed_up() && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let took_backup = backed_up();
    let _ = std::fs::remove_dir_all(&dir);
    let ready = ready.expect("the service logs the port it serves on, as JSON");
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    assert!(
        took_backup,
        "the first scheduled backup is taken as it starts"
    );
}
