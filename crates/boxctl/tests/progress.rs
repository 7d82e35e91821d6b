//! A progress bar is drawn on a terminal (a pseudo-terminal from util-linux
//! `script`), and none without one or with `--quiet`.

mod common;

use std::process::Command;

use common::Env;

#[test]
fn progress_bar_only_on_a_terminal() {
    let env = Env::new();
    let big = env.path("big.bin");
    std::fs::write(&big, vec![42u8; 8 << 20]).unwrap();
    let typescript = env.path("typescript");
    let bin = env!("CARGO_BIN_EXE_boxctl");
    let run_in_pty = |args: &str| {
        let status = Command::new("script")
            .args(["-q", "-e", "-c", &format!("{bin} {args}")])
            .arg(&typescript)
            .env("BOXCTL_CONFIG_DIR", env.config_dir())
            .env("BOXCTL_DATA_DIR", env.path("data"))
            .env_remove("BOXCTL_PROFILE")
            .output()
            .expect("util-linux `script` (Debian: bsdutils) provides the pseudo-terminal");
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        String::from_utf8_lossy(&std::fs::read(&typescript).unwrap()).into_owned()
    };
    let drawn = run_in_pty(&format!("put {} /big.bin", big.display()));
    assert!(
        drawn.contains("upload [") && drawn.contains("MiB"),
        "no progress bar on a terminal:\n{drawn}"
    );
    let quiet = run_in_pty(&format!("--quiet put {} /quiet.bin", big.display()));
    assert!(!quiet.contains("upload ["), "{quiet}");
    let drawn = run_in_pty(&format!("get /big.bin {}", env.path("back.bin").display()));
    assert!(drawn.contains("download ["), "{drawn}");

    // Without a terminal: no bar on stderr.
    let r = env.expect(0, &["put", big.to_str().unwrap(), "/piped.bin"]);
    assert!(
        !r.stderr.contains("upload [") && !r.stderr.contains('\u{1b}'),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(env.path("back.bin")).unwrap().len(), 8 << 20);
}
