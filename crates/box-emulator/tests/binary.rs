//! The emulator binary as a process: it keeps serving when whoever started it stops reading its output.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A test or script that reads the banner lines it needs and closes the pipe must not take the server
/// down. Before the fix the banner was printed with `println!`, which panics on a closed stdout: the
/// process died on its first line and every later request failed (seen as `IncompleteMessage` in
/// `persistence.rs`, depending on timing). Here stdout is closed before anything is printed.
#[test]
fn a_closed_stdout_does_not_stop_the_server() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_box-emulator"))
        .args(["--port", &port.to_string()])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take());

    let url = format!("http://127.0.0.1:{port}/_emulator/health");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut served = false;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the emulator exited ({status}) once its stdout was closed");
        }
        if health_is_ok(port) {
            served = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // Still alive after answering: nothing printed later kills it either.
    std::thread::sleep(Duration::from_millis(300));
    let alive = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    assert!(served, "the emulator never answered on {url}");
    assert!(alive, "the emulator exited after answering");
}

/// One plain HTTP/1.1 request to the health route (blocking, bounded by timeouts); true on a 200.
fn health_is_ok(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = s.set_write_timeout(Some(Duration::from_secs(2)));
    let request = format!(
        "GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    );
    if s.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    s.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}
