//! Version and event storage grows linearly with a file's history.

use super::*;

fn blob(n: u64) -> BlobInfo {
    BlobInfo {
        sha1: format!("{n:040x}"),
        size: n,
    }
}

/// Adds `n` versions to `file`, one store write (one SQLite commit) each,
/// as uploads do.
fn add_versions(store: &Store, user: u64, file: &str, from: u64, n: u64) {
    for k in from..from + n {
        store
            .write(|tx| tx.add_version(user, file, &blob(k), None, None))
            .unwrap();
    }
}

/// Stored and written bytes per version stay flat as a file's history
/// grows: the versions 1,501..2,000 cost what the first 500 did. Before
/// versions had rows of their own, every event kept a copy of the item
/// with its whole history and every new version rewrote the item row with
/// all of them, so the later versions cost about four times as much.
#[test]
fn per_version_growth_is_flat() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(Some(dir.path())).unwrap();
    let user = store.create_user("U", "u@example.com").unwrap().id;
    let file = store
        .write(|tx| tx.create_file(user, "0", "f.txt", &blob(0)))
        .unwrap()
        .to_string();
    let s0 = store.db_stats().unwrap();
    add_versions(&store, user, &file, 1, 500);
    let s500 = store.db_stats().unwrap();
    add_versions(&store, user, &file, 501, 1000);
    let s1500 = store.db_stats().unwrap();
    add_versions(&store, user, &file, 1501, 500);
    let s2000 = store.db_stats().unwrap();
    let per = |a: &DbStats, b: &DbStats, f: fn(&DbStats) -> u64| (f(b) - f(a)) as f64 / 500.0;
    let stored_early = per(&s0, &s500, |s| s.stored_bytes);
    let stored_late = per(&s1500, &s2000, |s| s.stored_bytes);
    let written_early = per(&s0, &s500, |s| s.bytes_written);
    let written_late = per(&s1500, &s2000, |s| s.bytes_written);
    assert!(
        stored_late < stored_early * 1.2,
        "stored bytes per version: {stored_early} early, {stored_late} late"
    );
    assert!(
        written_late < written_early * 1.2,
        "written bytes per version: {written_early} early, {written_late} late"
    );
    // And in absolute terms: a version row plus an event, not kilobytes.
    assert!(stored_late < 2_000.0, "{stored_late} bytes per version");
    // Every version is back after a reopen, in order.
    drop(store);
    let store = Store::open(Some(dir.path())).unwrap();
    store.read(|st| {
        let item = &st.items[&file.parse::<u64>().unwrap()];
        assert_eq!(item.versions.len(), 2001);
        let sizes: Vec<u64> = item.versions.iter().map(|v| v.size).collect();
        assert_eq!(sizes, (0..=2000).collect::<Vec<u64>>());
    });
}

/// Version rows follow promote, delete, copy and purge, and the events keep
/// the version count while their snapshot keeps one version.
#[test]
fn version_rows_follow_every_change() {
    let dir = tempfile::tempdir().unwrap();
    let (user, file, copy) = {
        let store = Store::open(Some(dir.path())).unwrap();
        let user = store.create_user("U", "u@example.com").unwrap().id;
        let u = user;
        let (file, copy) = store
            .write(|tx| {
                let folder = tx.create_folder(u, "0", "a")?.to_string();
                let file = tx.create_file(u, &folder, "f.txt", &blob(1))?.to_string();
                tx.add_version(u, &file, &blob(2), None, None)?;
                tx.add_version(u, &file, &blob(3), None, None)?;
                let first = tx.st.items[&file.parse::<u64>().unwrap()].versions[0].id;
                tx.promote_version(u, &file, &first.to_string())?;
                let second = tx.st.items[&file.parse::<u64>().unwrap()].versions[1].id;
                tx.delete_version(u, &file, &second.to_string(), None)?;
                let copy = tx.copy(u, &folder, Kind::Folder, "0", Some("b"))?;
                Ok((file, copy))
            })
            .unwrap();
        store.read(|st| {
            assert!(
                st.events.values().all(|e| e.item.versions.len() <= 1),
                "a snapshot keeps one version"
            );
            let upload = st
                .events
                .values()
                .rev()
                .find(|e| e.event_type == "ITEM_UPLOAD")
                .unwrap();
            assert_eq!(upload.version_number, Some(3));
        });
        (user, file.parse::<u64>().unwrap(), copy)
    };
    let store = Store::open(Some(dir.path())).unwrap();
    store.read(|st| {
        let sizes: Vec<u64> = st.items[&file].versions.iter().map(|v| v.size).collect();
        assert_eq!(sizes, vec![1, 3, 1], "promoted 1, deleted 2");
        let copied = st.children(copy)[0];
        let sizes: Vec<u64> = copied.versions.iter().map(|v| v.size).collect();
        assert_eq!(sizes, vec![1], "a copy has the current version only");
    });
    let folder = store.read(|st| st.items[&file].parent.unwrap().to_string());
    store
        .write(|tx| {
            tx.trash(user, &folder, Kind::Folder, true, None)?;
            tx.purge(user, &folder, Kind::Folder)
        })
        .unwrap();
    let rows = |store: &Store| {
        let guard = store.lock_db();
        guard
            .as_ref()
            .unwrap()
            .stored(Some(Table::Version))
            .unwrap()
            .1
    };
    assert_eq!(rows(&store), 1, "only the copy's version row is left");
}

/// A database written when items carried their versions inline opens with
/// every version, and is rewritten once into version rows.
#[test]
fn inline_versions_are_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let (file, user) = {
        let store = Store::open(Some(dir.path())).unwrap();
        let user = store.create_user("U", "u@example.com").unwrap().id;
        let file = store
            .write(|tx| {
                let f = tx.create_file(user, "0", "f.txt", &blob(1))?.to_string();
                tx.add_version(user, &f, &blob(2), None, None)
            })
            .unwrap();
        // Rewrite the item the old way: versions inline, no version rows.
        let item = store.read(|st| st.items[&file].clone());
        let mut guard = store.lock_db();
        let db = guard.as_mut().unwrap();
        let mut writes = vec![row(Table::Item, file, Some(&item))];
        for v in &item.versions {
            writes.push((Table::Version, format!("{file}/{}", v.id), None));
        }
        db.apply(&writes).unwrap();
        assert_eq!(db.stored(Some(Table::Version)).unwrap().1, 0);
        (file, user)
    };
    for _ in 0..2 {
        let store = Store::open(Some(dir.path())).unwrap();
        store.read(|st| {
            let sizes: Vec<u64> = st.items[&file].versions.iter().map(|v| v.size).collect();
            assert_eq!(sizes, vec![1, 2]);
        });
        let guard = store.lock_db();
        let db = guard.as_ref().unwrap();
        assert_eq!(db.stored(Some(Table::Version)).unwrap().1, 2);
        let (item_bytes, _) = db.stored(Some(Table::Item)).unwrap();
        drop(guard);
        assert!(item_bytes > 0);
        store.read(|st| assert!(st.role(user, file).is_some()));
    }
}
