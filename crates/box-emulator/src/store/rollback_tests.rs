//! A write whose SQLite commit fails leaves memory as it was.

use super::*;

/// The database refuses writes (SQLite's `query_only`): each write's
/// commit fails with `SQLITE_READONLY`, as it would on a read-only or
/// full disk. Before writes were undone, the failed folder stayed in
/// memory (listed, counted in the next id, with its event) although the
/// database never had it, and the generation said something changed.
#[test]
fn a_failed_commit_leaves_memory_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(Some(dir.path())).unwrap();
    let user = store.create_user("U", "u@example.com").unwrap().id;
    let kept = store
        .write(|tx| tx.create_folder(user, "0", "kept"))
        .unwrap();
    let snapshot = |store: &Store| {
        store.read(|st| {
            let root = st.root_of(user).unwrap();
            let names: Vec<String> = st.children(root).iter().map(|i| i.name.clone()).collect();
            (names, st.items.len(), st.events.len())
        })
    };
    let before = snapshot(&store);
    let generation = store.read(State::generation);
    assert!(store.use_jti("a-jti-used-before-the-failure", i64::MAX));

    store.set_read_only_for_test(true);
    let failed = store.write(|tx| tx.create_folder(user, "0", "lost"));
    assert!(matches!(failed, Err(StoreError::Internal(_))), "{failed:?}");
    assert_eq!(
        snapshot(&store),
        before,
        "the failed folder is not in memory"
    );
    store.read(|st| {
        assert!(st.item(kept).is_some());
    });
    // Nothing computed while the commit was in flight can be reused: the
    // generation is neither the old one nor the one the failed write took.
    let after = store.read(State::generation);
    assert!(after > generation + 1, "{generation} -> {after}");
    // What lives in memory only survives the undo.
    assert!(!store.use_jti("a-jti-used-before-the-failure", i64::MAX));

    store.set_read_only_for_test(false);
    let made = store
        .write(|tx| tx.create_folder(user, "0", "lost"))
        .unwrap();
    drop(store);
    let reopened = Store::open(Some(dir.path())).unwrap();
    reopened.read(|st| {
        let root = st.root_of(user).unwrap();
        let names: Vec<&str> = st.children(root).iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["kept", "lost"]);
        assert_eq!(st.item(made).map(|i| i.name.as_str()), Some("lost"));
    });
}

/// Everything a write may change, as text: every record table, the next
/// id, the generation and the derived indexes. Two states with the same
/// fingerprint are the same to every reader.
fn fingerprint(st: &State) -> String {
    fn json<T: serde::Serialize>(v: &T) -> String {
        serde_json::to_string(v).unwrap()
    }
    fn sorted<K: Ord + std::fmt::Debug, V: std::fmt::Debug>(m: &HashMap<K, V>) -> String {
        let mut v: Vec<_> = m.iter().collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        format!("{v:?}")
    }
    let tokens: BTreeMap<&String, &Token> = st.tokens.iter().collect();
    let passwords: BTreeMap<&u64, &PasswordHash> = st.passwords.iter().collect();
    [
        format!("next_id {} generation {}", st.next_id, st.generation),
        json(&st.users),
        json(&st.items),
        json(&st.collabs),
        json(&st.events),
        json(&tokens),
        json(&st.apps),
        json(&st.sessions),
        json(&st.comments),
        json(&st.friends),
        json(&st.invitations),
        json(&st.tasks),
        json(&st.task_assignments),
        json(&st.favorites),
        json(&st.webhooks),
        json(&st.signature_keys),
        json(&st.metadata_templates),
        json(&st.metadata_instances),
        json(&passwords),
        sorted(&st.children_index),
        {
            // The name order as read (its chunking depends on the order of
            // insertion, which a reload does not keep).
            let mut folders: Vec<u64> = st.sorted.keys().copied().collect();
            folders.sort_unstable();
            let listed: Vec<(u64, Vec<u64>)> = folders
                .into_iter()
                .map(|f| (f, st.children_by_name(f, false, 0).1.collect()))
                .collect();
            format!("{listed:?}")
        },
        sorted(&st.sorted_at),
    ]
    .join("\n")
}

/// The fingerprint without what only memory holds (the generation), to
/// compare a live store with the same data directory reopened.
fn persisted_fingerprint(st: &State) -> String {
    fingerprint(st)
        .split_once('\n')
        .map(|(_, rest)| rest.to_string())
        .unwrap()
}

fn blob(n: u64) -> BlobInfo {
    BlobInfo {
        sha1: format!("{n:040x}"),
        size: n,
    }
}

/// Two users; `a` owns `big` (1000 files), `shared` (where `b` edits),
/// `other` with a commented, tasked, favourited, webhooked file carrying
/// metadata, and a trashed folder `old`; `b` owns `mine`. Returns (a, b,
/// ids by name).
fn populate(store: &Store) -> (u64, u64, BTreeMap<&'static str, String>) {
    let a = store.create_user("A", "a@example.com").unwrap().id;
    let b = store.create_user("B", "b@example.com").unwrap().id;
    let ids = store
        .write(|tx| {
            let mut ids = BTreeMap::new();
            let big = tx.create_folder(a, "0", "big")?.to_string();
            for n in 0..1000 {
                tx.create_file(a, &big, &format!("f{n}.txt"), &blob(n + 1))?;
            }
            let shared = tx.create_folder(a, "0", "shared")?.to_string();
            tx.collaborate(a, Kind::Folder, &shared, b, "editor")?;
            let other = tx.create_folder(a, "0", "other")?.to_string();
            let file = tx
                .create_file(a, &other, "doc.txt", &blob(5000))?
                .to_string();
            tx.add_v2_comment(a, comments::CommentTarget::File(&file), "hi", None)?;
            tx.create_task(a, &file, tasks::TaskAction::Review, "look", None, false)?;
            let fav = tx.st.favorites_id(a).to_string();
            tx.set_collections(a, &file, Kind::File, &[fav])?;
            tx.create_webhook(
                a,
                Kind::File,
                &file,
                "https://example.com/hook",
                vec!["FILE.RENAMED".into()],
            )?;
            let mut props = serde_json::Map::new();
            props.insert("k".into(), "v".into());
            tx.create_instance(a, &file, Kind::File, "global", "properties", props)?;
            let old = tx.create_folder(a, "0", "old")?.to_string();
            tx.create_file(a, &old, "in-old.txt", &blob(6000))?;
            tx.trash(a, &old, Kind::Folder, true, None)?;
            let mine = tx.create_folder(b, "0", "mine")?.to_string();
            tx.create_folder(b, &mine, "inner")?;
            ids.insert("big", big);
            ids.insert("shared", shared);
            ids.insert("other", other);
            ids.insert("file", file);
            ids.insert("old", old);
            ids.insert("mine", mine);
            Ok(ids)
        })
        .unwrap();
    (a, b, ids)
}

/// Before writes were all or nothing, a closure that failed part-way kept
/// (in memory, and with a data directory in the database too) everything
/// it did before the failing step: the 1000-file copy stayed, the moved
/// folder stayed moved and owned by the other user, the purged folder
/// stayed purged. Each case below is real operations, the last of which
/// fails; afterwards memory is exactly as before (records, next id,
/// generation, indexes), and a reopened data directory holds the same.
#[test]
fn a_write_that_fails_part_way_leaves_no_trace_in_either_mode() {
    for persisted in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(persisted.then_some(dir.path())).unwrap();
        let (a, b, ids) = populate(&store);
        let id = |name: &str| ids[name].clone();
        type Case<'c> = Box<dyn Fn(&mut Tx<'_>) -> StoreResult<()> + 'c>;
        let cases: Vec<(&str, Case<'_>)> = vec![
            (
                // Copies 1001 items, then the second copy's name is taken.
                "copy then a name in use",
                Box::new(|tx| {
                    tx.copy(a, &id("big"), Kind::Folder, "0", Some("big copy"))?;
                    tx.copy(a, &id("other"), Kind::Folder, "0", Some("big copy"))?;
                    Ok(())
                }),
            ),
            (
                // B's folder moves into A's shared folder (A owns it and
                // what is below it now), then a rename fails.
                "move across owners then a bad name",
                Box::new(|tx| {
                    let upd = ItemUpdate {
                        parent: Some(id("shared")),
                        ..ItemUpdate::default()
                    };
                    tx.update(b, &id("mine"), Kind::Folder, upd, None)?;
                    let bad = ItemUpdate {
                        name: Some("a/b".into()),
                        ..ItemUpdate::default()
                    };
                    tx.update(b, &id("mine"), Kind::Folder, bad, None)?;
                    Ok(())
                }),
            ),
            (
                // Trashes and purges a folder with a file carrying comments,
                // a task, a favourite, a webhook and metadata; restores the
                // trashed folder; then moves a folder into itself.
                "trash, purge and restore, then a cycle refused",
                Box::new(|tx| {
                    tx.trash(a, &id("other"), Kind::Folder, true, None)?;
                    tx.purge(a, &id("other"), Kind::Folder)?;
                    tx.restore(a, &id("old"), Kind::Folder, Some("restored"), None)?;
                    let into_itself = ItemUpdate {
                        parent: Some(id("big")),
                        ..ItemUpdate::default()
                    };
                    tx.update(a, &id("big"), Kind::Folder, into_itself, None)?;
                    Ok(())
                }),
            ),
            (
                // Collaboration, tokens, a password, an app and a new user
                // change, then a second user with a login in use.
                "users, tokens and collaborations, then a login in use",
                Box::new(|tx| {
                    let c = tx.st.collabs.keys().next().copied().unwrap().to_string();
                    tx.uncollaborate(a, &c)?;
                    tx.collaborate(a, Kind::Folder, &id("big"), b, "viewer")?;
                    tx.issue(TokenKind::Access, a, "app", Duration::hours(1), None);
                    tx.set_password(b, "secret");
                    tx.create_user("C", "c@example.com")?;
                    tx.create_user("C again", "C@example.com")?;
                    Ok(())
                }),
            ),
            (
                // A version, a version promoted and one deleted, then a
                // stale If-Match.
                "versions, then a stale etag",
                Box::new(|tx| {
                    let file = tx
                        .st
                        .children(tx.st.resolve(a, &id("big"), Kind::Folder)?.0)
                        .first()
                        .map(|f| f.id.to_string())
                        .unwrap();
                    tx.add_version(a, &file, &blob(9000), Some("renamed.txt"), None)?;
                    let first = tx.st.item(file.parse().unwrap()).unwrap().versions[0].id;
                    tx.promote_version(a, &file, &first.to_string())?;
                    tx.delete_version(a, &file, &first.to_string(), None)?;
                    tx.add_version(a, &file, &blob(9001), None, Some("0"))?;
                    Ok(())
                }),
            ),
        ];
        for (what, case) in &cases {
            let before = store.read(fingerprint);
            let failed = store.write(|tx| case(tx));
            assert!(failed.is_err(), "{what}: the last step fails");
            let after = store.read(fingerprint);
            let differs: Vec<usize> = before
                .lines()
                .zip(after.lines())
                .enumerate()
                .filter(|(_, (x, y))| x != y)
                .map(|(n, _)| n)
                .collect();
            assert!(
                differs.is_empty(),
                "{what} (persisted: {persisted}) left a trace in memory, in lines {differs:?}"
            );
        }
        // The data directory holds what memory holds.
        if persisted {
            let live = store.read(persisted_fingerprint);
            drop(store);
            let reopened = Store::open(Some(dir.path())).unwrap();
            let again = reopened.read(persisted_fingerprint);
            let differs: Vec<(&str, &str)> = live
                .lines()
                .zip(again.lines())
                .filter(|(x, y)| x != y)
                .collect();
            assert!(
                differs.is_empty(),
                "the database holds what a failed write did: {differs:?}"
            );
        }
    }
}
