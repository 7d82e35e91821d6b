//! Running each command.

mod account;
mod items;
mod v2only;

use box_core::{FileId, FolderId, Item, Storage, StorageExt};

use crate::backend::Session;
use crate::cli::{Command, Global};
use crate::error::{code, CliError, CliResult};
use crate::output::Output;

/// Runs one command.
pub async fn dispatch(
    session: &Session,
    global: &Global,
    out: Output,
    cmd: Command,
) -> CliResult<()> {
    let profile = global.profile.as_deref();
    match cmd {
        Command::Serve { port, faults, seed } => {
            account::serve(session, out, port, &faults, seed).await
        }
        Command::Demo { keep } => crate::demo::run(out, keep).await,
        Command::Migrate(args) => crate::migrate::command(session, out, args).await,
        Command::Profile(cmd) => account::profile(session, out, cmd),
        Command::Login {
            token_env,
            no_browser,
        } => account::login(session, out, profile, token_env, no_browser).await,
        Command::Logout => account::logout(session, out, profile).await,
        cmd => {
            let backend = session.open(profile).await?;
            match cmd {
                Command::Whoami => account::whoami(&backend, out).await,
                Command::Ls {
                    path,
                    long,
                    recursive,
                } => items::ls(&backend, out, &path, long, recursive).await,
                Command::Tree { path } => items::tree(&backend, out, &path).await,
                Command::Stat { path } => items::stat(&backend, out, &path).await,
                Command::Mkdir { path, parents } => {
                    items::mkdir(&backend, out, &path, parents).await
                }
                Command::Put {
                    paths,
                    on_conflict,
                    jobs,
                } => crate::transfer::put(&backend, out, paths, on_conflict, jobs).await,
                Command::Get {
                    paths,
                    jobs,
                    parallel_above,
                    part_size,
                    range_jobs,
                } => {
                    let opts = crate::transfer::RangedOptions {
                        above: parallel_above,
                        part_size,
                        jobs: range_jobs,
                    };
                    crate::transfer::get(&backend, out, paths, jobs, opts).await
                }
                Command::Cat { path } => crate::transfer::cat(&backend, &path).await,
                Command::Mv { src, dst } => items::mv_cp(&backend, out, &src, &dst, false).await,
                Command::Cp { src, dst } => items::mv_cp(&backend, out, &src, &dst, true).await,
                Command::Rm {
                    paths,
                    recursive,
                    permanent,
                    yes,
                } => items::rm(&backend, out, &paths, recursive, permanent, yes).await,
                Command::Share {
                    path,
                    access,
                    password_env,
                    expires,
                } => items::share(&backend, out, &path, access, password_env, expires).await,
                Command::Unshare { path } => items::unshare(&backend, out, &path).await,
                Command::Search {
                    query,
                    kind,
                    under,
                    ext,
                    limit,
                } => items::search(&backend, out, &query, kind, under, ext, limit).await,
                Command::Tag(cmd) => items::tag(&backend, out, cmd).await,
                Command::Describe { path, text } => {
                    items::describe(&backend, out, &path, &text).await
                }
                Command::Trash(cmd) => v2only::trash(&backend, out, cmd).await,
                Command::Versions(cmd) => v2only::versions(&backend, out, cmd).await,
                Command::Collab(cmd) => v2only::collab(&backend, out, cmd).await,
                Command::Events { follow, from, max } => {
                    v2only::events(&backend, out, follow, &from, max).await
                }
                Command::Raw { method, path, data } => {
                    v2only::raw(&backend, out, &method, &path, data.as_deref()).await
                }
                _ => Err(CliError::usage("unhandled command")),
            }
        }
    }
}

/// An item named by a path (`/a/b`) or an id (`id:1`, `file:1`, `folder:1`).
pub async fn resolve(storage: &dyn Storage, spec: &str) -> CliResult<Item> {
    if let Some(id) = spec.strip_prefix("file:") {
        return storage
            .get_file(&FileId::from(id))
            .await
            .map(Item::File)
            .map_err(crate::ctx(spec));
    }
    if let Some(id) = spec.strip_prefix("folder:") {
        return storage
            .get_folder(&FolderId::from(id))
            .await
            .map(Item::Folder)
            .map_err(crate::ctx(spec));
    }
    if let Some(id) = spec.strip_prefix("id:") {
        return match storage.get_file(&FileId::from(id)).await {
            Ok(f) => Ok(Item::File(f)),
            Err(e) if e.is_not_found() => storage
                .get_folder(&FolderId::from(id))
                .await
                .map(Item::Folder)
                .map_err(|e| {
                    if e.is_not_found() {
                        let mut err = CliError::with_code(
                            code::NOT_FOUND,
                            format!("no file or folder with id {id}"),
                        );
                        err.request_id = e.request_id().map(str::to_owned);
                        err
                    } else {
                        CliError::from(e).context(spec)
                    }
                }),
            Err(e) => Err(CliError::from(e).context(spec)),
        };
    }
    storage.resolve_path(spec).await.map_err(|e| {
        let e = CliError::from(e);
        if e.code == code::NOT_FOUND {
            CliError::with_code(code::NOT_FOUND, format!("{spec}: no such file or folder"))
                .hint("paths start at the root (`/Reports/q1.csv`); list with `boxctl ls`")
        } else {
            e.context(spec)
        }
    })
}

/// A folder named by a path or an id.
pub async fn resolve_folder(storage: &dyn Storage, spec: &str) -> CliResult<box_core::Folder> {
    match resolve(storage, spec).await? {
        Item::Folder(f) => Ok(f),
        _ => Err(CliError::usage(format!("{spec} is not a folder"))),
    }
}

/// A file named by a path or an id.
pub async fn resolve_file(storage: &dyn Storage, spec: &str) -> CliResult<box_core::File> {
    match resolve(storage, spec).await? {
        Item::File(f) => Ok(f),
        _ => Err(CliError::usage(format!("{spec} is not a file"))),
    }
}

/// `/a/b/c` → (`/a/b`, `c`).
pub fn split_parent(path: &str) -> CliResult<(String, String)> {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rsplit_once('/') {
        Some((parent, name)) if !name.is_empty() => {
            let parent = if parent.is_empty() { "/" } else { parent };
            Ok((parent.to_owned(), name.to_owned()))
        }
        None if !trimmed.is_empty() && !trimmed.contains(':') => {
            Ok(("/".to_owned(), trimmed.to_owned()))
        }
        _ => Err(CliError::usage(format!(
            "{path:?} does not name an item below a folder"
        ))),
    }
}
