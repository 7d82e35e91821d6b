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
    assert!(store.use_jti("a-jti-used-before-the-failure"));

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
    assert!(!store.use_jti("a-jti-used-before-the-failure"));

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
