//! The suite: emulators, data, the SDK's virtualenv, interleaved runs, the table.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use box_core::Body;
use box_v2::auth::DeveloperToken;
use box_v2::upload::{ChunkedUpload, ChunkedUploadOptions};
use futures::TryStreamExt;
use rand::{RngCore, SeedableRng};

use crate::worker::{Answer, Job};
use crate::RunArgs;

const MIB: u64 = 1024 * 1024;
const SDK_VERSION: &str = "10.18.0";
const SDK_SCRIPT: &str = include_str!("bench_sdk.py");

/// A running emulator process, killed when dropped.
struct Emulator {
    child: Child,
    root: String,
    token: String,
    user: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The admin API secret the suite gives its emulators (loopback only).
const ADMIN_SECRET: &str = "boxkit-bench";

fn start_emulator(
    bin: &Path,
    args: &RunArgs,
    latency_ms: u64,
    wan_mib_per_s: u64,
    log: &Path,
    seed_root: &Path,
) -> Result<Emulator, String> {
    let mut cmd = Command::new(bin);
    cmd.args(["--port", "0", "--chunked-min-size", "1"])
        .args(["--admin-secret", ADMIN_SECRET])
        .arg("--seed-root")
        .arg(seed_root)
        .args(["--part-size", &(args.part_mib * MIB).to_string()]);
    if latency_ms > 0 {
        cmd.args(["--fault", &format!("latency:{latency_ms}@1")]);
    }
    if wan_mib_per_s > 0 {
        // Download bodies (served under /content/) at this rate each.
        let kib = wan_mib_per_s * 1024;
        cmd.args(["--fault", &format!("throughput:{kib}@1~/content/")]);
    }
    let log_file = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(log_file)
        .spawn()
        .map_err(|e| format!("starting {}: {e}", bin.display()))?;
    let stdout = child.stdout.take().ok_or("no emulator stdout")?;
    let mut emu = Emulator {
        child,
        root: String::new(),
        token: String::new(),
        user: String::new(),
    };
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.map_err(|e| e.to_string())?;
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("api:"), Some(url)) => emu.root = url.trim_end_matches("/2.0").to_owned(),
            (Some("user:"), Some(u)) => emu.user = u.to_owned(),
            (Some("token:"), Some(t)) => {
                emu.token = t.to_owned();
                break;
            }
            _ => {}
        }
    }
    // Keep reading what the emulator prints after the token: a closed pipe
    // would make its next line fail.
    std::thread::spawn(move || lines.for_each(drop));
    if emu.root.is_empty() || emu.token.is_empty() {
        return Err(format!("the emulator did not start; see {}", log.display()));
    }
    Ok(emu)
}

/// One way of doing a case's operation.
struct Variant {
    name: String,
    /// The command for round `r`: program and arguments.
    command: Box<dyn Fn(usize) -> Vec<String>>,
    /// Whether the command answers with its own timing (a worker).
    timed_inside: bool,
    samples: Vec<(f64, u64)>,
}

struct Case {
    key: &'static str,
    title: String,
    variants: Vec<Variant>,
}

impl Case {
    fn median(&self, variant: &str) -> Option<f64> {
        self.variants
            .iter()
            .find(|v| v.name == variant)
            .map(|v| stats(&v.samples).1)
    }

    fn rss_mib(&self, variant: &str) -> Option<f64> {
        self.variants
            .iter()
            .find(|v| v.name == variant)
            .map(|v| v.samples.iter().map(|s| s.1).max().unwrap_or(0) as f64 / 1024.0)
    }
}

/// (min, median) seconds.
fn stats(samples: &[(f64, u64)]) -> (f64, f64) {
    let mut s: Vec<f64> = samples.iter().map(|x| x.0).collect();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mid = s.len() / 2;
    let median = if s.len() % 2 == 1 {
        s[mid]
    } else {
        (s[mid - 1] + s[mid]) / 2.0
    };
    (s[0], median)
}

fn worker_cmd(exe: &Path, job: &Job) -> Vec<String> {
    vec![
        exe.display().to_string(),
        "worker".into(),
        serde_json::to_string(job).unwrap_or_default(),
    ]
}

fn sdk_cmd(python: &Path, script: &Path, job: serde_json::Value) -> Vec<String> {
    vec![
        python.display().to_string(),
        script.display().to_string(),
        job.to_string(),
    ]
}

/// Runs one command under `/usr/bin/time`: (seconds, peak RSS in KiB).
fn measure(argv: &[String], timed_inside: bool, rss_file: &Path) -> Result<(f64, u64), String> {
    let t = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M", "-o"])
        .arg(rss_file)
        .args(argv)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("running /usr/bin/time {}: {e}", argv[0]))?;
    let wall = t.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!(
            "{} failed ({}): {}{}",
            argv.first().map(String::as_str).unwrap_or(""),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let rss = std::fs::read_to_string(rss_file)
        .ok()
        .and_then(|s| s.lines().last().and_then(|l| l.trim().parse().ok()))
        .unwrap_or(0);
    let secs = if timed_inside {
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout.lines().last().unwrap_or("");
        serde_json::from_str::<Answer>(line)
            .map_err(|e| format!("{}: bad answer {line:?}: {e}", argv[0]))?
            .secs
    } else {
        wall
    };
    Ok((secs, rss))
}

fn sh(program: &str, args: &[&str]) -> Result<(), String> {
    let status = Command::new(program)
        .args(args)
        .status()
        .map_err(|e| format!("{program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{program} {} failed: {status}", args.join(" ")))
    }
}

/// A virtualenv with the official SDK; returns its python.
fn ensure_sdk(target: &Path) -> Result<PathBuf, String> {
    let venv = target.join("sdk-venv");
    let python = venv.join("bin").join("python");
    if !python.exists() {
        sh("python3", &["-m", "venv", &venv.display().to_string()])?;
    }
    let ok = Command::new(&python)
        .args(["-c", &format!("import importlib.metadata as m, sys; sys.exit(m.version('boxsdk') != '{SDK_VERSION}')")])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        let pip = venv.join("bin").join("pip");
        sh(
            &pip.display().to_string(),
            &["install", "-q", &format!("boxsdk=={SDK_VERSION}")],
        )?;
    }
    Ok(python)
}

/// A file of `size` random bytes (kept between runs).
fn ensure_data(path: &Path, size: u64) -> Result<(), String> {
    if std::fs::metadata(path).is_ok_and(|m| m.len() == size) {
        return Ok(());
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(14);
    let mut f = std::io::BufWriter::new(
        std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?,
    );
    let mut buf = vec![0u8; MIB as usize];
    let mut left = size;
    while left > 0 {
        let n = left.min(MIB) as usize;
        rng.fill_bytes(&mut buf[..n]);
        f.write_all(&buf[..n]).map_err(|e| e.to_string())?;
        left -= n as u64;
    }
    f.flush().map_err(|e| e.to_string())
}

/// A directory `dir/bench-list` of `n` empty files, for the admin seed.
fn ensure_list_dir(dir: &Path, n: u64) -> Result<PathBuf, String> {
    let list = dir.join("bench-list");
    let have = std::fs::read_dir(&list)
        .map(|d| d.count() as u64)
        .unwrap_or(0);
    if have != n {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(&list).map_err(|e| e.to_string())?;
        for i in 0..n {
            std::fs::File::create(list.join(format!("item-{i:07}.txt")))
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(dir.to_path_buf())
}

fn client(emu: &Emulator) -> Result<box_v2::Client, String> {
    box_v2::Client::builder()
        .base_url(&emu.root)
        .auth(DeveloperToken::new(emu.token.clone()))
        .build()
        .map_err(|e| e.to_string())
}

/// Uploads the data file once (not measured); returns its id.
async fn put_file(emu: &Emulator, file: &Path, name: &str) -> Result<String, String> {
    let c = client(emu)?;
    let body = Body::from_path(file).await.map_err(|e| e.to_string())?;
    let f = ChunkedUpload::new(c, ChunkedUploadOptions::default())
        .upload_new("0", name, body)
        .await
        .map_err(|e| format!("setup upload: {e}"))?;
    Ok(f.id.as_str().to_owned())
}

/// Seeds the list folder through the admin API; returns its id.
async fn seed_list(emu: &Emulator, dir: &Path) -> Result<String, String> {
    let http = reqwest::Client::new();
    let resp = http
        .post(format!("{}/_emulator/users/{}/seed", emu.root, emu.user))
        .header("x-box-emulator-admin-secret", ADMIN_SECRET)
        .json(&serde_json::json!({ "path": dir }))
        .send()
        .await
        .map_err(|e| format!("seed: {e}"))?;
    if !resp.status().is_success() {
        return Err(format!("seed: HTTP {}", resp.status()));
    }
    let c = client(emu)?;
    let root: Vec<box_v2::models::Item> = c
        .folders()
        .items("0")
        .stream()
        .try_collect()
        .await
        .map_err(|e| e.to_string())?;
    root.iter()
        .find_map(|i| match i {
            box_v2::models::Item::Folder(f) if f.name.as_deref() == Some("bench-list") => {
                Some(f.id.as_str().to_owned())
            }
            _ => None,
        })
        .ok_or_else(|| "the seeded folder is missing".to_string())
}

fn wants(args: &RunArgs, key: &str) -> bool {
    args.only.is_empty() || args.only.iter().any(|k| k == key)
}

/// Runs the suite.
pub fn main(mut args: RunArgs) -> Result<(), String> {
    if args.quick {
        args.size_mib = 24;
        args.items = 1000;
        args.gets = 500;
        args.range_mib = 4;
        args.part_mib = 8;
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let bin_dir = exe.parent().ok_or("no binary directory")?.to_path_buf();
    let target = bin_dir.parent().unwrap_or(&bin_dir).to_path_buf();
    let emulator_bin = args
        .emulator
        .clone()
        .unwrap_or_else(|| bin_dir.join("box-emulator"));
    if !emulator_bin.is_file() {
        return Err(format!(
            "no emulator binary at {}; build it first: cargo build --release -p box-emulator",
            emulator_bin.display()
        ));
    }
    if !Path::new("/usr/bin/time").is_file() {
        return Err("peak RSS is read with /usr/bin/time: apt-get install time".into());
    }
    let work = args
        .work_dir
        .clone()
        .unwrap_or_else(|| target.join("bench"));
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let size = args.size_mib * MIB;
    let data = work.join(format!("data-{}m.bin", args.size_mib));
    let rss_file = work.join("rss.txt");
    let dl_dest = work.join("download.out");

    let python = if args.no_sdk {
        None
    } else {
        eprintln!(
            "installing boxsdk {SDK_VERSION} into {}",
            target.join("sdk-venv").display()
        );
        Some(ensure_sdk(&target)?)
    };
    let script = work.join("bench_sdk.py");
    std::fs::write(&script, SDK_SCRIPT).map_err(|e| e.to_string())?;

    eprintln!(
        "making data: {} MiB file, {} items",
        args.size_mib, args.items
    );
    ensure_data(&data, size)?;
    let list_dir = ensure_list_dir(&work.join(format!("list-{}", args.items)), args.items)?;

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let emu = start_emulator(
        &emulator_bin,
        &args,
        0,
        0,
        &work.join("emulator.log"),
        &list_dir,
    )?;
    let slow = if (args.latency_ms > 0 || args.wan_mib_per_s > 0) && wants(&args, "latency") {
        Some(start_emulator(
            &emulator_bin,
            &args,
            args.latency_ms,
            args.wan_mib_per_s,
            &work.join("emulator-latency.log"),
            &list_dir,
        )?)
    } else {
        None
    };
    let sink = crate::sink::start(args.part_mib * MIB)?;

    let t = Instant::now();
    let file_id = rt.block_on(put_file(&emu, &data, "bench-data.bin"))?;
    let slow_file_id = match &slow {
        Some(s) => Some(rt.block_on(put_file(s, &data, "bench-data.bin"))?),
        None => None,
    };
    eprintln!("setup upload: {:.1} s", t.elapsed().as_secs_f64());
    let list_folder = if wants(&args, "list") || wants(&args, "page") {
        let t = Instant::now();
        let id = rt.block_on(seed_list(&emu, &list_dir))?;
        eprintln!(
            "seeding {} items (admin API): {:.1} s",
            args.items,
            t.elapsed().as_secs_f64()
        );
        Some(id)
    } else {
        None
    };

    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut cases: Vec<Case> = Vec::new();
    let conc = args.concurrency;
    let range = args.range_mib * MIB;
    let auth = |e: &Emulator| format!("Authorization: Bearer {}", e.token);

    // Chunked upload: boxkit, the SDK, one SHA-1 pass.
    if wants(&args, "upload") {
        let mut v = vec![];
        let (root, token, exe2, file) = (
            emu.root.clone(),
            emu.token.clone(),
            exe.clone(),
            data.clone(),
        );
        v.push(variant("boxkit", true, move |r| {
            worker_cmd(
                &exe2,
                &Job::Upload {
                    root: root.clone(),
                    token: token.clone(),
                    file: file.clone(),
                    folder: "0".into(),
                    name: format!("up-boxkit-{r}.bin"),
                    concurrency: conc,
                },
            )
        }));
        if let Some(py) = &python {
            let (root, token, py, script, file) = (
                emu.root.clone(),
                emu.token.clone(),
                py.clone(),
                script.clone(),
                data.clone(),
            );
            v.push(variant("official SDK", true, move |r| {
                sdk_cmd(
                    &py,
                    &script,
                    serde_json::json!({"op": "upload", "root": root, "token": token,
                        "file": file, "folder": "0", "name": format!("up-sdk-{r}.bin")}),
                )
            }));
        }
        let file = data.display().to_string();
        v.push(variant("openssl sha1 (ceiling)", false, move |_| {
            vec!["openssl".into(), "sha1".into(), file.clone()]
        }));
        cases.push(Case {
            key: "upload",
            title: format!(
                "chunked upload {} MiB (emulator in memory, {conc} parts in flight)",
                args.size_mib
            ),
            variants: v,
        });
    }

    // The client alone: chunked upload to the null sink.
    if wants(&args, "sink") {
        let (root, exe2, file) = (sink.base.clone(), exe.clone(), data.clone());
        let file_s = data.display().to_string();
        cases.push(Case {
            key: "sink",
            title: format!(
                "chunked upload {} MiB to the null sink (client alone)",
                args.size_mib
            ),
            variants: vec![
                variant("boxkit", true, move |r| {
                    worker_cmd(
                        &exe2,
                        &Job::Upload {
                            root: root.clone(),
                            token: "sink".into(),
                            file: file.clone(),
                            folder: "0".into(),
                            name: format!("sink-{r}.bin"),
                            concurrency: conc,
                        },
                    )
                }),
                variant("openssl sha1 (ceiling, one pass)", false, move |_| {
                    vec!["openssl".into(), "sha1".into(), file_s.clone()]
                }),
            ],
        });
    }

    // The emulator's simple upload (curl streams the file).
    if wants(&args, "simple") {
        let (root, a, file) = (emu.root.clone(), auth(&emu), data.display().to_string());
        let file2 = file.clone();
        cases.push(Case {
            key: "simple",
            title: format!("emulator: simple upload {} MiB (curl -F)", args.size_mib),
            variants: vec![
                variant("curl -F to the emulator", false, move |r| {
                    vec![
                        "curl".into(),
                        "-sS".into(),
                        "-f".into(),
                        "-o".into(),
                        "/dev/null".into(),
                        "-H".into(),
                        a.clone(),
                        "-F".into(),
                        format!(r#"attributes={{"name":"simple-{r}.bin","parent":{{"id":"0"}}}}"#),
                        "-F".into(),
                        format!("file=@{file}"),
                        format!("{root}/api/2.0/files/content"),
                    ]
                }),
                variant("openssl sha1 (ceiling)", false, move |_| {
                    vec!["openssl".into(), "sha1".into(), file2.clone()]
                }),
            ],
        });
    }

    // Download: boxkit plain and parallel, the SDK, curl.
    let download_variants = |emu: &Emulator, id: &str, with_sdk: bool| {
        let mut v = vec![];
        for (name, parallel) in [
            ("boxkit to_path", None),
            ("boxkit to_path_parallel", Some((conc, range))),
        ] {
            let (root, token, exe2, id, dest) = (
                emu.root.clone(),
                emu.token.clone(),
                exe.clone(),
                id.to_owned(),
                dl_dest.clone(),
            );
            let name = match parallel {
                Some(_) => format!("{name} ({conc} × {} MiB)", range / MIB),
                None => name.to_owned(),
            };
            v.push(variant(&name, true, move |_| {
                worker_cmd(
                    &exe2,
                    &Job::Download {
                        root: root.clone(),
                        token: token.clone(),
                        file_id: id.clone(),
                        dest: dest.clone(),
                        parallel,
                    },
                )
            }));
        }
        if let (true, Some(py)) = (with_sdk, &python) {
            let (root, token, py, script, id, dest) = (
                emu.root.clone(),
                emu.token.clone(),
                py.clone(),
                script.clone(),
                id.to_owned(),
                dl_dest.clone(),
            );
            v.push(variant("official SDK", true, move |_| {
                sdk_cmd(
                    &py,
                    &script,
                    serde_json::json!({"op": "download", "root": root,
                    "token": token, "file_id": id, "dest": dest}),
                )
            }));
        }
        let (url, a, dest) = (
            format!("{}/2.0/files/{id}/content", emu.root),
            auth(emu),
            dl_dest.display().to_string(),
        );
        v.push(variant("curl (ceiling)", false, move |_| {
            vec![
                "curl".into(),
                "-sS".into(),
                "-f".into(),
                "-L".into(),
                "-H".into(),
                a.clone(),
                "-o".into(),
                dest.clone(),
                url.clone(),
            ]
        }));
        v
    };
    if wants(&args, "download") {
        cases.push(Case {
            key: "download",
            title: format!("download {} MiB", args.size_mib),
            variants: download_variants(&emu, &file_id, !args.no_sdk_download),
        });
    }
    if let (Some(s), Some(id)) = (&slow, &slow_file_id) {
        cases.push(Case {
            key: "latency",
            title: format!(
                "download {} MiB, {} ms latency per request, {} MiB/s per connection ({})",
                args.size_mib,
                args.latency_ms,
                args.wan_mib_per_s,
                if args.wan_mib_per_s > 0 {
                    "a WAN link"
                } else {
                    "no limit"
                }
            ),
            variants: download_variants(s, id, false),
        });
    }

    // Listing.
    if let (true, Some(folder)) = (wants(&args, "list"), &list_folder) {
        let mut v = vec![];
        let (root, token, exe2, folder2, n) = (
            emu.root.clone(),
            emu.token.clone(),
            exe.clone(),
            folder.clone(),
            args.items,
        );
        v.push(variant("boxkit", true, move |_| {
            worker_cmd(
                &exe2,
                &Job::List {
                    root: root.clone(),
                    token: token.clone(),
                    folder: folder2.clone(),
                    expect: n,
                },
            )
        }));
        if let Some(py) = &python {
            let (root, token, py, script, folder2) = (
                emu.root.clone(),
                emu.token.clone(),
                py.clone(),
                script.clone(),
                folder.clone(),
            );
            v.push(variant("official SDK", true, move |_| {
                sdk_cmd(
                    &py,
                    &script,
                    serde_json::json!({"op": "list", "root": root, "token": token,
                    "folder": folder2, "expect": n}),
                )
            }));
        }
        cases.push(Case {
            key: "list",
            title: format!("list {} items", args.items),
            variants: v,
        });
    }
    if let (true, Some(folder)) = (wants(&args, "page"), &list_folder) {
        let (root, token, exe2, folder2, offset) = (
            emu.root.clone(),
            emu.token.clone(),
            exe.clone(),
            folder.clone(),
            args.items / 2,
        );
        // The fields a `Storage` listing asks for (box_v2::storage::ITEM_FIELDS).
        let fields = box_v2::storage::ITEM_FIELDS.join(",");
        let mut v = vec![];
        for (name, fields, server_time) in [
            ("server time (Server-Timing), mini entries", None, true),
            (
                "server time (Server-Timing), with fields",
                Some(fields.clone()),
                true,
            ),
            ("client-observed, with fields", Some(fields), false),
        ] {
            let (root, token, exe2, folder2) =
                (root.clone(), token.clone(), exe2.clone(), folder2.clone());
            v.push(variant(name, true, move |_| {
                worker_cmd(
                    &exe2,
                    &Job::Page {
                        root: root.clone(),
                        token: token.clone(),
                        folder: folder2.clone(),
                        offset,
                        reps: 20,
                        fields: fields.clone(),
                        server_time,
                    },
                )
            }));
        }
        cases.push(Case {
            key: "page",
            title: format!("emulator: one 1000-item page at offset {offset} of {} (best of 20, seconds per request)", args.items),
            variants: v,
        });
    }

    // Small GETs.
    if wants(&args, "gets") {
        let mut v = vec![];
        for (name, bare) in [("boxkit", false), ("bare reqwest + serde_json", true)] {
            let (root, token, exe2, id, n, inf) = (
                emu.root.clone(),
                emu.token.clone(),
                exe.clone(),
                file_id.clone(),
                args.gets,
                args.in_flight,
            );
            v.push(variant(name, true, move |_| {
                worker_cmd(
                    &exe2,
                    &Job::Gets {
                        root: root.clone(),
                        token: token.clone(),
                        file_id: id.clone(),
                        n,
                        in_flight: inf,
                        bare,
                    },
                )
            }));
        }
        cases.push(Case {
            key: "gets",
            title: format!(
                "{} × GET /files/{{id}}, {} in flight",
                args.gets, args.in_flight
            ),
            variants: v,
        });
    }

    for case in &mut cases {
        eprintln!("case: {}", case.title);
        for round in 0..args.runs.max(1) {
            for v in &mut case.variants {
                let argv = (v.command)(round);
                let sample = measure(&argv, v.timed_inside, &rss_file)
                    .map_err(|e| format!("{} / {}: {e}", case.title, v.name))?;
                eprintln!(
                    "  {:<40} round {round}: {:.3} s, {} MiB",
                    v.name,
                    sample.0,
                    sample.1 / 1024
                );
                v.samples.push(sample);
            }
        }
    }
    drop(slow);
    drop(emu);
    drop(sink);

    let report = render(&args, &cases, &load);
    println!("{report}");
    let results = work.join("results.md");
    std::fs::write(&results, &report).map_err(|e| e.to_string())?;
    eprintln!("(also written to {})", results.display());
    Ok(())
}

fn variant(name: &str, timed_inside: bool, f: impl Fn(usize) -> Vec<String> + 'static) -> Variant {
    Variant {
        name: name.to_owned(),
        command: Box::new(f),
        timed_inside,
        samples: Vec::new(),
    }
}

fn render(args: &RunArgs, cases: &[Case], load: &str) -> String {
    let mut out = String::new();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    out.push_str(&format!(
        "boxkit-bench: {} runs each, interleaved; {cores} cores; load average at start {}\n\n",
        args.runs,
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    ));
    out.push_str("| case | variant | min s | median s | peak RSS MiB | median vs first row |\n");
    out.push_str("|---|---|---:|---:|---:|---:|\n");
    for c in cases {
        let first = c.variants.first().map_or(f64::NAN, |v| stats(&v.samples).1);
        for v in &c.variants {
            let (min, med) = stats(&v.samples);
            let rss = v.samples.iter().map(|s| s.1).max().unwrap_or(0) as f64 / 1024.0;
            let fmt = |x: f64| {
                if x < 0.1 {
                    format!("{x:.4}")
                } else {
                    format!("{x:.2}")
                }
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} | {rss:.1} | {:.2}× |\n",
                c.title,
                v.name,
                fmt(min),
                fmt(med),
                med / first
            ));
        }
    }
    out.push_str("\nTargets (issue #14), from the medians above:\n\n");
    out.push_str("| target | measured | goal | met |\n|---|---:|---|---|\n");
    let find = |k: &str| cases.iter().find(|c| c.key == k);
    let mut row =
        |what: &str, measured: Option<f64>, unit: &str, goal: &str, ok: &dyn Fn(f64) -> bool| {
            if let Some(m) = measured.filter(|m| m.is_finite()) {
                out.push_str(&format!(
                    "| {what} | {m:.2}{unit} | {goal} | {} |\n",
                    if ok(m) { "yes" } else { "**no**" }
                ));
            }
        };
    let up = find("upload");
    let sha1 = up.and_then(|c| c.median("openssl sha1 (ceiling)"));
    let bk_up = up.and_then(|c| c.median("boxkit"));
    row(
        "chunked upload: SDK time / boxkit time",
        up.and_then(|c| c.median("official SDK"))
            .zip(bk_up)
            .map(|(s, b)| s / b),
        "×",
        "≥ 3×",
        &|m| m >= 3.0,
    );
    row(
        "chunked upload: boxkit / one SHA-1 pass",
        bk_up.zip(sha1).map(|(b, s)| b / s),
        "×",
        "≤ 2.5×",
        &|m| m <= 2.5,
    );
    let sink = find("sink");
    row(
        "upload to the null sink / two SHA-1 passes",
        sink.and_then(|c| {
            c.median("boxkit")
                .zip(c.median("openssl sha1 (ceiling, one pass)"))
        })
        .map(|(b, s)| b / (2.0 * s)),
        "×",
        "≤ 1.5×",
        &|m| m <= 1.5,
    );
    let dl = find("download");
    let plain = dl.and_then(|c| c.median("boxkit to_path"));
    let par_name = |c: &Case| {
        c.variants
            .get(1)
            .map(|v| v.name.clone())
            .unwrap_or_default()
    };
    row(
        "download: boxkit to_path / curl",
        plain
            .zip(dl.and_then(|c| c.median("curl (ceiling)")))
            .map(|(b, c)| b / c),
        "×",
        "≤ 1.1×",
        &|m| m <= 1.1,
    );
    row(
        "download: parallel / plain (loopback)",
        dl.and_then(|c| c.median(&par_name(c)))
            .zip(plain)
            .map(|(p, b)| p / b),
        "×",
        "≤ 1× (never slower)",
        &|m| m <= 1.0,
    );
    let lat = find("latency");
    row(
        "download over a WAN link (latency, MiB/s per connection): plain / parallel",
        lat.and_then(|c| c.median("boxkit to_path").zip(c.median(&par_name(c))))
            .map(|(b, p)| b / p),
        "×",
        "≥ 2×",
        &|m| m >= 2.0,
    );
    let mut rss = None::<f64>;
    for c in [up, sink, dl, lat].into_iter().flatten() {
        for v in c.variants.iter().filter(|v| v.name.starts_with("boxkit")) {
            let r = c.rss_mib(&v.name).unwrap_or(0.0);
            rss = Some(rss.map_or(r, |x| x.max(r)));
        }
    }
    row(
        "peak RSS of boxkit up/downloads",
        rss,
        " MiB",
        "≤ 64 MiB",
        &|m| m <= 64.0,
    );
    let list = find("list");
    row(
        "list: SDK time / boxkit time",
        list.and_then(|c| c.median("official SDK").zip(c.median("boxkit")))
            .map(|(s, b)| s / b),
        "×",
        "≥ 5×",
        &|m| m >= 5.0,
    );
    let gets = find("gets");
    row(
        "small GETs: boxkit / bare reqwest",
        gets.and_then(|c| {
            c.median("boxkit")
                .zip(c.median("bare reqwest + serde_json"))
        })
        .map(|(b, r)| b / r),
        "×",
        "≤ 1.1×",
        &|m| m <= 1.1,
    );
    let simple = find("simple");
    row(
        "emulator simple upload: throughput / SHA-1's",
        simple
            .and_then(|c| {
                c.median("openssl sha1 (ceiling)")
                    .zip(c.median("curl -F to the emulator"))
            })
            .map(|(s, u)| s / u),
        "",
        "≥ 0.60",
        &|m| m >= 0.6,
    );
    let page = find("page");
    let page_best =
        |i: usize| page.and_then(|c| c.variants.get(i).map(|v| stats(&v.samples).0 * 1000.0));
    row(
        "emulator: one 1000-item page, server time (mini / with fields)",
        page_best(0).zip(page_best(1)).map(|(a, b)| a.max(b)),
        " ms",
        "≤ 5 ms",
        &|m| m <= 5.0,
    );

    out
}
