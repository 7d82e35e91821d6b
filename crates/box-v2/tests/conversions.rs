//! The generated models of collaborations, comments and events into
//! box-core's domain types, on the shapes Box sends that the domain types
//! could not hold before (each case failed or was wrong before: a group
//! collaborator had to be a user, pending collaborations and item-less
//! comments had no `item` to give, and a user event source was no item).

use box_core::{
    Collaboration, CollaborationRole, CollaborationStatus, Collaborator, Comment, Event,
    EventSource, EventType, ItemId,
};
use box_v2::schemas;
use serde_json::json;

fn collab(v: serde_json::Value) -> Collaboration {
    serde_json::from_value::<schemas::Collaboration>(v)
        .expect("parses")
        .into()
}

#[test]
fn a_group_collaborator_stays_a_group() {
    let c = collab(json!({
        "type": "collaboration", "id": "12345",
        "item": {"type": "folder", "id": "42"},
        "accessible_by": {"type": "group", "id": "871", "name": "Finance", "group_type": "managed_group"},
        "role": "editor", "status": "accepted"
    }));
    match c.accessible_by {
        Some(Collaborator::Group(g)) => {
            assert_eq!(g.id.as_str(), "871");
            assert_eq!(g.name.as_deref(), Some("Finance"));
        }
        other => panic!("a group became {other:?}"),
    }
    assert_eq!(c.item, Some(ItemId::Folder("42".into())));
    assert_eq!(c.role, Some(CollaborationRole::Editor));
}

#[test]
fn a_user_collaborator_is_a_user() {
    let c = collab(json!({
        "type": "collaboration", "id": "1",
        "item": {"type": "file", "id": "9"},
        "accessible_by": {"type": "user", "id": "3333", "name": "Sam", "login": "sam@example.com"},
        "role": "viewer uploader", "status": "accepted"
    }));
    match c.accessible_by {
        Some(Collaborator::User(u)) => assert_eq!(u.login.as_deref(), Some("sam@example.com")),
        other => panic!("{other:?}"),
    }
    assert_eq!(c.item, Some(ItemId::File("9".into())));
    // Box spells this role with a space.
    assert_eq!(c.role, Some(CollaborationRole::ViewerUploader));
}

#[test]
fn a_pending_collaboration_has_no_item_and_no_collaborator() {
    let c = collab(json!({
        "type": "collaboration", "id": "77",
        "item": null, "accessible_by": null,
        "invite_email": "new@example.com",
        "role": "editor", "status": "pending"
    }));
    assert_eq!(c.item, None);
    assert_eq!(c.accessible_by, None);
    assert_eq!(c.status, Some(CollaborationStatus::Pending));
}

#[test]
fn a_fields_limited_collaboration_keeps_what_it_has() {
    let c = collab(json!({"type": "collaboration", "id": "5", "role": "co-owner"}));
    assert_eq!(c.id.as_str(), "5");
    assert_eq!(c.role, Some(CollaborationRole::CoOwner));
    assert_eq!((c.item, c.accessible_by, c.status), (None, None, None));
}

#[test]
fn comments_of_a_file_listing_have_no_item() {
    let page: schemas::Comments = serde_json::from_value(json!({
        "total_count": 1, "limit": 100, "offset": 0,
        "entries": [{
            "type": "comment", "id": "191969", "is_reply_comment": false,
            "message": "Review the first page, please.",
            "created_by": {"type": "user", "id": "11446498", "name": "Aaron Levie", "login": "ceo@example.com"},
            "created_at": "2012-12-12T11:25:01-08:00"
        }]
    }))
    .unwrap();
    let c = Comment::try_from(page.entries.unwrap().remove(0)).unwrap();
    assert_eq!(c.item, None);
    assert_eq!(c.message, "Review the first page, please.");
    assert_eq!(c.created_by.unwrap().id.as_str(), "11446498");

    let full: schemas::CommentFull = serde_json::from_value(json!({
        "type": "comment", "id": "2", "message": "hi", "item": {"type": "file", "id": "12345"}
    }))
    .unwrap();
    assert_eq!(
        Comment::try_from(full).unwrap().item,
        Some(ItemId::File("12345".into()))
    );
}

#[test]
fn a_comment_without_an_id_is_a_decode_error() {
    let c: schemas::Comment = serde_json::from_value(json!({"message": "x"})).unwrap();
    let e = Comment::try_from(c).unwrap_err();
    assert!(matches!(e, box_core::Error::Decode { .. }), "{e:?}");
}

fn event(v: serde_json::Value) -> Event {
    Event::try_from(serde_json::from_value::<schemas::Event>(v).expect("parses")).unwrap()
}

#[test]
fn a_user_event_has_a_user_source() {
    let e = event(json!({
        "type": "event", "event_id": "f82c3ba0", "event_type": "NEW_USER",
        "created_by": {"type": "user", "id": "1", "name": "Admin", "login": "admin@example.com"},
        "source": {"type": "user", "id": "33", "name": "New Person", "login": "new@example.com"}
    }));
    match e.source {
        Some(EventSource::User(u)) => {
            assert_eq!(u.id.as_str(), "33");
            assert_eq!(u.name.as_deref(), Some("New Person"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.event_type, EventType::Other("NEW_USER".into()));
}

#[test]
fn a_file_event_has_the_file_as_source_not_a_user() {
    // Before, the generated source enum tried `User` first and a file (which
    // has an `id` too) parsed as a user.
    let src: schemas::EventSourceResource = serde_json::from_value(json!({
        "type": "file", "id": "12345", "name": "Contract.pdf", "etag": "1",
        "sequence_id": "3", "sha1": "85136c79cbf9fe36bb9d05d0639c70c265c18d37", "size": 629644
    }))
    .unwrap();
    assert!(
        matches!(src, schemas::EventSourceResource::File(_)),
        "{src:?}"
    );
    let e = event(json!({
        "type": "event", "event_id": "1", "event_type": "ITEM_UPLOAD",
        "source": {"type": "folder", "id": "11446498", "name": "Legal", "etag": "1", "sequence_id": "3"}
    }));
    assert_eq!(e.event_type, EventType::ItemUpload);
    let item = e
        .source
        .as_ref()
        .and_then(EventSource::item)
        .expect("an item");
    assert_eq!(item.id(), ItemId::Folder("11446498".into()));
}

#[test]
fn domain_events_keep_a_user_source_through_serde() {
    let e = event(json!({
        "type": "event", "event_id": "9", "event_type": "EDIT_USER",
        "source": {"type": "user", "id": "33", "name": "P", "login": "p@example.com"}
    }));
    let back: Event = serde_json::from_value(serde_json::to_value(&e).unwrap()).unwrap();
    assert_eq!(back, e);
}
