//! The measured operations of boxkit (and of bare reqwest), each run in its
//! own process so its peak RSS is its own. A job is JSON on the command line;
//! the answer is one JSON line `{"secs": …}` on stdout, the time of the
//! operation alone (client construction and process start excluded).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use box_core::Body;
use box_v2::auth::DeveloperToken;
use box_v2::upload::{ChunkedUpload, ChunkedUploadOptions};
use box_v2::Client;
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};

/// One measured operation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Job {
    /// A chunked upload of `file` into `folder` (boxkit).
    Upload {
        root: String,
        token: String,
        file: PathBuf,
        folder: String,
        name: String,
        concurrency: usize,
    },
    /// A download of `file_id` to `dest` (boxkit), plain or in parallel ranges.
    Download {
        root: String,
        token: String,
        file_id: String,
        dest: PathBuf,
        /// `(concurrency, range bytes)` for `to_path_parallel`.
        parallel: Option<(usize, u64)>,
    },
    /// Every item of a folder (boxkit, marker paging, 1000 a page).
    List {
        root: String,
        token: String,
        folder: String,
        expect: u64,
    },
    /// `n` × `GET /files/{id}`, `in_flight` at once: boxkit, or bare
    /// reqwest + serde_json when `bare`.
    Gets {
        root: String,
        token: String,
        file_id: String,
        n: u64,
        in_flight: usize,
        bare: bool,
    },
    /// One 1000-item page at `offset` of a folder, `reps` times, one at a
    /// time (bare reqwest), with `fields` when given; the answer is the
    /// fastest request's time as the client saw it or, when `server_time`,
    /// the least time the emulator reported in its `Server-Timing` header.
    Page {
        root: String,
        token: String,
        folder: String,
        offset: u64,
        reps: u32,
        #[serde(default)]
        fields: Option<String>,
        #[serde(default)]
        server_time: bool,
    },
}

/// The answer of a worker.
#[derive(Debug, Serialize, Deserialize)]
pub struct Answer {
    /// Seconds the operation took.
    pub secs: f64,
}

/// Runs the job given as JSON and prints its answer.
pub fn main(job: &str) -> Result<(), String> {
    let job: Job = serde_json::from_str(job).map_err(|e| format!("bad job: {e}"))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    let secs = rt.block_on(run(job))?;
    let answer = serde_json::to_string(&Answer {
        secs: secs.as_secs_f64(),
    })
    .map_err(|e| e.to_string())?;
    println!("{answer}");
    Ok(())
}

fn client(root: &str, token: &str, concurrency: usize) -> Result<Client, String> {
    Client::builder()
        .base_url(root)
        .auth(DeveloperToken::new(token))
        .upload_concurrency(concurrency.max(1))
        .build()
        .map_err(|e| e.to_string())
}

async fn run(job: Job) -> Result<Duration, String> {
    match job {
        Job::Upload {
            root,
            token,
            file,
            folder,
            name,
            concurrency,
        } => {
            let c = client(&root, &token, concurrency)?;
            let runner =
                ChunkedUpload::new(c, ChunkedUploadOptions::default().concurrency(concurrency));
            let size = std::fs::metadata(&file)
                .map_err(|e| format!("{}: {e}", file.display()))?
                .len();
            let t = Instant::now();
            let body = Body::from_path(&file).await.map_err(|e| e.to_string())?;
            let f = runner
                .upload_new(&folder, &name, body)
                .await
                .map_err(|e| format!("upload: {e}"))?;
            let took = t.elapsed();
            if f.size.is_some_and(|s| s != size) {
                return Err(format!("uploaded {:?} bytes of {size}", f.size));
            }
            Ok(took)
        }
        Job::Download {
            root,
            token,
            file_id,
            dest,
            parallel,
        } => {
            let c = client(&root, &token, 1)?;
            let t = Instant::now();
            let n = match parallel {
                Some((conc, range)) => c
                    .download(&file_id)
                    .to_path_parallel(&dest, conc, range)
                    .await
                    .map_err(|e| format!("download: {e}"))?,
                None => c
                    .download(&file_id)
                    .to_path(&dest)
                    .await
                    .map_err(|e| format!("download: {e}"))?,
            };
            let took = t.elapsed();
            let on_disk = std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0);
            let _ = std::fs::remove_file(&dest);
            if on_disk != n {
                return Err(format!("wrote {n} bytes but {on_disk} are on disk"));
            }
            Ok(took)
        }
        Job::List {
            root,
            token,
            folder,
            expect,
        } => {
            let c = client(&root, &token, 1)?;
            let t = Instant::now();
            let n = c
                .folders()
                .items(&folder)
                .stream()
                .try_fold(0u64, |n, _| async move { Ok(n + 1) })
                .await
                .map_err(|e| format!("list: {e}"))?;
            let took = t.elapsed();
            if n != expect {
                return Err(format!("listed {n} items, expected {expect}"));
            }
            Ok(took)
        }
        Job::Gets {
            root,
            token,
            file_id,
            n,
            in_flight,
            bare,
        } => {
            if bare {
                bare_gets(&root, &token, &file_id, n, in_flight).await
            } else {
                let c = client(&root, &token, 1)?;
                let t = Instant::now();
                futures::stream::iter(0..n)
                    .map(|_| {
                        let c = c.clone();
                        let id = file_id.clone();
                        async move { c.files().get(&id).send().await }
                    })
                    .buffer_unordered(in_flight.max(1))
                    .try_for_each(|f| {
                        let ok = f.id.as_str() == file_id;
                        async move {
                            if ok {
                                Ok(())
                            } else {
                                Err(box_core::Error::invalid_input("wrong file"))
                            }
                        }
                    })
                    .await
                    .map_err(|e| format!("get: {e}"))?;
                Ok(t.elapsed())
            }
        }
        Job::Page {
            root,
            token,
            folder,
            offset,
            reps,
            fields,
            server_time,
        } => {
            let http = reqwest::Client::new();
            let mut url = format!("{root}/2.0/folders/{folder}/items?limit=1000&offset={offset}");
            if let Some(f) = &fields {
                url.push_str("&fields=");
                url.push_str(f);
            }
            let mut best = Duration::MAX;
            for _ in 0..reps.max(1) {
                let t = Instant::now();
                let resp = http
                    .get(&url)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                if !resp.status().is_success() {
                    return Err(format!("page: HTTP {}", resp.status()));
                }
                let server = server_timing(resp.headers());
                let body = resp.bytes().await.map_err(|e| e.to_string())?;
                let took = t.elapsed();
                let v: serde_json::Value =
                    serde_json::from_slice(&body).map_err(|e| format!("page: {e}"))?;
                let n = v["entries"].as_array().map_or(0, Vec::len) as u64;
                let total = v["total_count"].as_u64().unwrap_or(0);
                let expect = total.saturating_sub(offset).min(1000);
                if n != expect || n == 0 {
                    return Err(format!("page: {n} entries, expected {expect}"));
                }
                best = best.min(if server_time {
                    server.ok_or("page: no Server-Timing header from the emulator")?
                } else {
                    took
                });
            }
            Ok(best)
        }
    }
}

/// The `dur` (milliseconds) of a `Server-Timing: app;dur=…` header.
fn server_timing(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get("server-timing")?.to_str().ok()?;
    let ms: f64 = v
        .split(';')
        .find_map(|p| p.trim().strip_prefix("dur="))?
        .parse()
        .ok()?;
    Some(Duration::from_secs_f64(ms / 1000.0))
}

/// The least a client can do: reqwest with a bearer token and a typed
/// serde_json decode of the fields a caller reads.
async fn bare_gets(
    root: &str,
    token: &str,
    file_id: &str,
    n: u64,
    in_flight: usize,
) -> Result<Duration, String> {
    #[derive(Deserialize)]
    #[allow(dead_code)] // decoded to cost what a typed decode costs
    struct MiniFile {
        id: String,
        #[serde(rename = "type")]
        kind: String,
        name: Option<String>,
        size: Option<u64>,
        etag: Option<String>,
        sha1: Option<String>,
    }
    let http = reqwest::Client::new();
    let url = format!("{root}/2.0/files/{file_id}");
    let t = Instant::now();
    futures::stream::iter(0..n)
        .map(|_| {
            let http = http.clone();
            let url = url.clone();
            async move {
                let bytes = http
                    .get(&url)
                    .bearer_auth(token)
                    .send()
                    .await?
                    .error_for_status()?
                    .bytes()
                    .await?;
                Ok::<_, reqwest::Error>(bytes)
            }
        })
        .buffer_unordered(in_flight.max(1))
        .map_err(|e| e.to_string())
        .try_for_each(|bytes| async move {
            let f: MiniFile = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
            if f.id == file_id {
                Ok(())
            } else {
                Err("wrong file".to_string())
            }
        })
        .await?;
    Ok(t.elapsed())
}
