//! Access control over HTTP: the v1 ticket approval page needs the
//! password of a user who has one.

use box_emulator::Emulator;
use reqwest::Client;

mod support;
use support::tag;

#[tokio::test]
async fn the_v1_approval_page_needs_the_password_of_a_user_with_one() {
    let emu = Emulator::builder().start().await.unwrap();
    let http = Client::new();
    let rest = |query: Vec<(&'static str, String)>| {
        let req = http.get(format!("{}/rest", emu.v1_url())).query(&query);
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    let r = rest(vec![
        ("action", "register_new_user".into()),
        ("api_key", "k".into()),
        ("login", "victim@example.com".into()),
        ("password", "correct horse".into()),
    ])
    .await;
    assert_eq!(tag(&r, "status"), Some("successful_register"), "{r}");
    let victim = tag(&r, "user_id")
        .or_else(|| tag(&r, "id"))
        .unwrap()
        .to_string();
    for (password, approved) in [
        (None, false),
        (Some("wrong"), false),
        (Some("correct horse"), true),
    ] {
        let r = rest(vec![
            ("action", "get_ticket".into()),
            ("api_key", "k".into()),
        ])
        .await;
        let ticket = tag(&r, "ticket").unwrap().to_string();
        let mut page = http
            .get(format!("{}/auth/{ticket}", emu.v1_url()))
            .query(&[("user", victim.as_str())]);
        if let Some(p) = password {
            page = page.query(&[("password", p)]);
        }
        page.send().await.unwrap();
        let r = rest(vec![
            ("action", "get_auth_token".into()),
            ("api_key", "k".into()),
            ("ticket", ticket),
        ])
        .await;
        let status = tag(&r, "status").unwrap();
        assert_eq!(status == "get_auth_token_ok", approved, "{password:?}: {r}");
    }
}

// ---- enterprise users, groups, group and pending collaborations ----
//
// End to end through box-v2's generated typed methods (`client.users()`,
// `client.groups()`, `client.group_memberships()`, `client.collaborations()`,
// `client.collaborations_list()`), across the enterprise's admin, a
// co-admin, group members, a non-member and an external user.

mod people {
    use std::time::Duration;

    use box_emulator::{Emulator, EmulatorHandle};
    use box_v2::auth::DeveloperToken;
    use box_v2::schemas as models;
    use box_v2::Client;
    use reqwest::Method;
    use serde::Serialize;
    use serde_json::{json, Value};

    fn client(emu: &EmulatorHandle, token: &str) -> Client {
        Client::builder()
            .base_url(&emu.base_url())
            .timeout(Duration::from_secs(30))
            .auth(DeveloperToken::new(token))
            .build()
            .unwrap()
    }

    fn js<T: Serialize>(v: T) -> Value {
        serde_json::to_value(v).unwrap()
    }

    /// The HTTP status and Box code of a failed call (panics on success).
    fn refused<T: std::fmt::Debug>(r: box_core::Result<T>) -> (u16, String) {
        let e = r.expect_err("expected a refusal");
        (e.status().unwrap_or(0), e.code().unwrap_or("").to_string())
    }

    async fn raw(c: &Client, method: Method, path: &str, body: Value) -> box_core::Result<Value> {
        c.request(method, path).json(&body).send().await
    }

    async fn folder(c: &Client, name: &str) -> String {
        let f = raw(
            c,
            Method::POST,
            "/folders",
            json!({"name": name, "parent": {"id": "0"}}),
        )
        .await
        .unwrap();
        f["id"].as_str().unwrap().to_string()
    }

    /// A new managed user made by the admin through `POST /users`, with a
    /// token of their own.
    async fn managed(
        emu: &EmulatorHandle,
        admin: &Client,
        name: &str,
        login: &str,
    ) -> (String, Client) {
        let mut body = models::CreateUserBody::new(name.into());
        body.login = Some(login.into());
        let u = js(admin.users().create_user(body).send().await.unwrap());
        let id = u["id"].as_str().unwrap().to_string();
        let token = emu.developer_token(&id).unwrap();
        (id, client(emu, &token))
    }

    fn level_i(l: &str) -> models::UpdateGroupBodyInvitabilityLevel {
        serde_json::from_value(json!(l)).unwrap()
    }

    fn level_v(l: &str) -> models::UpdateGroupBodyMemberViewabilityLevel {
        serde_json::from_value(json!(l)).unwrap()
    }

    async fn add(
        c: &Client,
        group: &str,
        user: &str,
        role: Option<&str>,
    ) -> box_core::Result<Value> {
        let mut b = models::AddUserToGroupBody::new(
            models::AddUserToGroupBodyGroup::new(group.into()),
            models::AddUserToGroupBodyUser::new(user.into()),
        );
        b.role = role.map(|r| serde_json::from_value(json!(r)).unwrap());
        c.group_memberships()
            .add_user_to_group(b)
            .send()
            .await
            .map(js)
    }

    async fn share(
        c: &Client,
        folder: &str,
        kind: &str,
        id: Option<&str>,
        login: Option<&str>,
        role: &str,
    ) -> box_core::Result<Value> {
        let mut who = models::CreateCollaborationBodyAccessibleBy::new(
            serde_json::from_value(json!(kind)).unwrap(),
        );
        who.id = id.map(str::to_string);
        who.login = login.map(str::to_string);
        let mut item = models::CreateCollaborationBodyItem::new();
        item.id = Some(folder.into());
        item.type_ = Some(serde_json::from_value(json!("folder")).unwrap());
        let body = models::CreateCollaborationBody::new(
            who,
            item,
            serde_json::from_value(json!(role)).unwrap(),
        );
        c.collaborations()
            .create_collaboration(body)
            .send()
            .await
            .map(js)
    }

    async fn sees_folder(c: &Client, folder: &str) -> bool {
        c.request(Method::GET, &format!("/folders/{folder}"))
            .send::<Value>()
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn the_admin_manages_enterprise_users_and_others_cannot() {
        let emu = Emulator::builder().start().await.unwrap();
        let admin = client(&emu, emu.default_token());
        let me = js(admin
            .users()
            .get_current_user()
            .fields(["role", "enterprise", "login"])
            .send()
            .await
            .unwrap());
        assert_eq!(me["role"], "admin", "{me}");
        assert_eq!(me["enterprise"]["type"], "enterprise", "{me}");
        let plain = js(admin.users().get_current_user().send().await.unwrap());
        assert!(
            plain.get("role").is_none(),
            "role only when asked for: {plain}"
        );

        let (ann, ann_c) = managed(&emu, &admin, "Ann Member", "ann@example.com").await;
        let (_bob, bob_c) = managed(&emu, &admin, "Bob Member", "bob@example.com").await;
        // An app user: no login of their own, one made up in Box's style.
        let mut body = models::CreateUserBody::new("Robot".into());
        body.is_platform_access_only = Some(true);
        body.external_app_user_id = Some("robot-1".into());
        let robot = js(admin.users().create_user(body).send().await.unwrap());
        assert!(
            robot["login"]
                .as_str()
                .unwrap()
                .ends_with("@boxdevedition.com"),
            "{robot}"
        );
        let found = js(admin
            .users()
            .list_enterprise_users()
            .external_app_user_id("robot-1")
            .send()
            .await
            .unwrap());
        assert_eq!(found["entries"][0]["id"], robot["id"], "{found}");

        // Listing: filter, offset paging, marker paging.
        let all = js(admin.users().list_enterprise_users().send().await.unwrap());
        assert_eq!(all["total_count"], 4, "{all}");
        let b = js(admin
            .users()
            .list_enterprise_users()
            .filter_term("bo")
            .send()
            .await
            .unwrap());
        assert_eq!(b["entries"].as_array().unwrap().len(), 1, "{b}");
        assert_eq!(b["entries"][0]["login"], "bob@example.com");
        let p1 = js(admin
            .users()
            .list_enterprise_users()
            .usemarker(true)
            .limit(3)
            .send()
            .await
            .unwrap());
        assert_eq!(p1["entries"].as_array().unwrap().len(), 3, "{p1}");
        let m = p1["next_marker"].as_str().unwrap().to_string();
        let p2 = js(admin
            .users()
            .list_enterprise_users()
            .usemarker(true)
            .limit(3)
            .marker(m)
            .send()
            .await
            .unwrap());
        assert_eq!(p2["entries"].as_array().unwrap().len(), 1, "{p2}");
        assert!(p2["next_marker"].is_null(), "{p2}");

        // A member: no listing, no creating, no other user's profile.
        assert_eq!(
            refused(ann_c.users().list_enterprise_users().send().await),
            (403, "access_denied_insufficient_permissions".into())
        );
        let mut body = models::CreateUserBody::new("Eve".into());
        body.login = Some("eve@example.com".into());
        assert_eq!(refused(ann_c.users().create_user(body).send().await).0, 403);
        assert_eq!(
            refused(ann_c.users().get_user(emu.default_user()).send().await).0,
            403
        );
        let mut rename = models::UpdateUserBody::new();
        rename.name = Some("Bobby".into());
        assert_eq!(
            refused(
                ann_c
                    .users()
                    .update_user(_bob.as_str())
                    .body(rename.clone())
                    .send()
                    .await
            )
            .0,
            403
        );
        // …but their own name, yes; their own role, no.
        let mut mine = models::UpdateUserBody::new();
        mine.name = Some("Ann A. Member".into());
        mine.job_title = Some("Tester".into());
        let a = js(ann_c
            .users()
            .update_user(ann.as_str())
            .body(mine)
            .send()
            .await
            .unwrap());
        assert_eq!(
            (a["name"].as_str(), a["job_title"].as_str()),
            (Some("Ann A. Member"), Some("Tester"))
        );
        let mut promote = models::UpdateUserBody::new();
        promote.role = Some(serde_json::from_value(json!("coadmin")).unwrap());
        assert_eq!(
            refused(
                ann_c
                    .users()
                    .update_user(ann.as_str())
                    .body(promote.clone())
                    .send()
                    .await
            )
            .0,
            403
        );

        // As-User: the admin acts as Ann; Ann cannot act as anyone.
        let as_ann = js(admin
            .users()
            .get_current_user()
            .as_user(ann.as_str())
            .send()
            .await
            .unwrap());
        assert_eq!(as_ann["id"], ann.as_str());
        assert_eq!(
            refused(
                ann_c
                    .users()
                    .get_current_user()
                    .as_user(emu.default_user())
                    .send()
                    .await
            ),
            (403, "access_denied_insufficient_permissions".into())
        );
        // A co-admin manages users but not the admin.
        let bob = _bob;
        let b = js(admin
            .users()
            .update_user(bob.as_str())
            .body(promote)
            .fields(["role"])
            .send()
            .await
            .unwrap());
        assert_eq!(b["role"], "coadmin", "{b}");
        assert!(bob_c.users().list_enterprise_users().send().await.is_ok());
        let as_ann = js(bob_c
            .users()
            .get_current_user()
            .as_user(ann.as_str())
            .send()
            .await
            .unwrap());
        assert_eq!(as_ann["id"], ann.as_str());
        assert_eq!(
            refused(
                bob_c
                    .users()
                    .get_current_user()
                    .as_user(emu.default_user())
                    .send()
                    .await
            )
            .0,
            403
        );

        // Only admins manage the enterprise's metadata templates.
        let template = json!({"scope": "enterprise", "displayName": "Contract", "fields": []});
        let r = ann_c
            .request(Method::POST, "/metadata_templates/schema")
            .json(&template)
            .send::<Value>()
            .await;
        assert_eq!(refused(r).0, 403);
        raw(&admin, Method::POST, "/metadata_templates/schema", template)
            .await
            .unwrap();

        // Rolled out of the enterprise: external, found only by exact login.
        let mut out = models::UpdateUserBody::new();
        out.extra.insert("enterprise".into(), Value::Null);
        admin
            .users()
            .update_user(ann.as_str())
            .body(out)
            .send()
            .await
            .unwrap();
        let managed_now = js(admin
            .users()
            .list_enterprise_users()
            .user_type("managed")
            .send()
            .await
            .unwrap());
        assert!(
            !managed_now["entries"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u["id"] == ann.as_str()),
            "{managed_now}"
        );
        let ext = js(admin
            .users()
            .list_enterprise_users()
            .user_type("external")
            .filter_term("ann@example.com")
            .send()
            .await
            .unwrap());
        assert_eq!(ext["entries"][0]["id"], ann.as_str(), "{ext}");
        let ann_now = js(ann_c
            .users()
            .get_current_user()
            .fields(["enterprise"])
            .send()
            .await
            .unwrap());
        assert!(ann_now["enterprise"].is_null(), "{ann_now}");

        // Deleting: not while they own something, unless forced.
        folder(&bob_c, "bob's").await;
        assert_eq!(
            refused(admin.users().delete_user(bob.as_str()).send().await).0,
            400
        );
        admin
            .users()
            .delete_user(bob.as_str())
            .force(true)
            .send()
            .await
            .unwrap();
        assert_eq!(
            refused(admin.users().get_user(bob.as_str()).send().await).0,
            404
        );
        let gone = bob_c
            .users()
            .get_current_user()
            .send()
            .await
            .expect_err("token gone with the user");
        assert!(
            matches!(gone, box_core::Error::Unauthenticated { .. }),
            "{gone:?}"
        );
    }

    #[tokio::test]
    async fn group_members_see_what_the_group_was_given_until_they_leave() {
        let emu = Emulator::builder().start().await.unwrap();
        let admin = client(&emu, emu.default_token());
        let (ann, ann_c) = managed(&emu, &admin, "Ann", "ann@example.com").await;
        let (bob, bob_c) = managed(&emu, &admin, "Bob", "bob@example.com").await;
        let (cat, cat_c) = managed(&emu, &admin, "Cat", "cat@example.com").await;

        // Only admins create and list groups.
        assert_eq!(
            refused(
                ann_c
                    .groups()
                    .create_group(models::CreateGroupBody::new("Mine".into()))
                    .send()
                    .await
            )
            .0,
            403
        );
        let mut body = models::CreateGroupBody::new("Engineering".into());
        body.description = Some("Builders".into());
        let g = js(admin.groups().create_group(body).send().await.unwrap());
        assert_eq!(
            (
                g["invitability_level"].as_str(),
                g["member_viewability_level"].as_str()
            ),
            (Some("admins_only"), Some("admins_only")),
            "{g}"
        );
        let gid = g["id"].as_str().unwrap().to_string();
        assert_eq!(
            refused(
                admin
                    .groups()
                    .create_group(models::CreateGroupBody::new("engineering".into()))
                    .send()
                    .await
            )
            .0,
            409
        );
        assert_eq!(
            refused(ann_c.groups().list_groups_for_enterprise().send().await).0,
            403
        );
        let list = js(admin
            .groups()
            .list_groups_for_enterprise()
            .filter_term("eng")
            .send()
            .await
            .unwrap());
        assert_eq!(list["total_count"], 1, "{list}");

        let m_ann = add(&admin, &gid, &ann, None).await.unwrap();
        assert_eq!(
            (m_ann["role"].as_str(), m_ann["user"]["id"].as_str()),
            (Some("member"), Some(ann.as_str())),
            "{m_ann}"
        );
        assert_eq!(refused(add(&admin, &gid, &ann, None).await).0, 409);
        // Members see the group; others do not.
        assert!(ann_c.groups().get_group(gid.as_str()).send().await.is_ok());
        assert_eq!(
            refused(bob_c.groups().get_group(gid.as_str()).send().await).0,
            403
        );
        // admins_only: a member may neither list nor add members.
        assert_eq!(
            refused(
                ann_c
                    .group_memberships()
                    .list_members_of_group(gid.as_str())
                    .send()
                    .await
            )
            .0,
            403
        );
        assert_eq!(refused(add(&ann_c, &gid, &bob, None).await).0, 403);
        let mut open = models::UpdateGroupBody::new();
        open.invitability_level = Some(level_i("admins_and_members"));
        open.member_viewability_level = Some(level_v("admins_and_members"));
        assert_eq!(
            refused(
                ann_c
                    .groups()
                    .update_group(gid.as_str())
                    .body(open.clone())
                    .send()
                    .await
            )
            .0,
            403
        );
        admin
            .groups()
            .update_group(gid.as_str())
            .body(open)
            .send()
            .await
            .unwrap();
        let listed = js(ann_c
            .group_memberships()
            .list_members_of_group(gid.as_str())
            .send()
            .await
            .unwrap());
        assert_eq!(listed["total_count"], 1, "{listed}");
        assert_eq!(
            refused(
                bob_c
                    .group_memberships()
                    .list_members_of_group(gid.as_str())
                    .send()
                    .await
            )
            .0,
            403
        );
        // admins_and_members: a member adds another, but not as a group admin.
        assert_eq!(refused(add(&ann_c, &gid, &cat, Some("admin")).await).0, 403);
        let m_cat = add(&ann_c, &gid, &cat, None).await.unwrap();
        let mine = js(cat_c
            .group_memberships()
            .list_user_s_groups(cat.as_str())
            .send()
            .await
            .unwrap());
        assert_eq!(mine["entries"][0]["group"]["id"], gid.as_str(), "{mine}");
        assert_eq!(
            refused(
                bob_c
                    .group_memberships()
                    .list_user_s_groups(cat.as_str())
                    .send()
                    .await
            )
            .0,
            403
        );

        // The admin gives the group a folder: members get the group's role.
        let shared = folder(&admin, "Specs").await;
        let c = share(&admin, &shared, "group", Some(&gid), None, "editor")
            .await
            .unwrap();
        assert_eq!(
            (c["accessible_by"]["type"].as_str(), c["status"].as_str()),
            (Some("group"), Some("accepted")),
            "{c}"
        );
        assert!(sees_folder(&ann_c, &shared).await);
        assert!(sees_folder(&cat_c, &shared).await);
        assert!(!sees_folder(&bob_c, &shared).await);
        let sub = raw(
            &ann_c,
            Method::POST,
            "/folders",
            json!({"name": "by ann", "parent": {"id": shared}}),
        )
        .await;
        assert!(sub.is_ok(), "editor through the group: {sub:?}");
        let gc = js(cat_c
            .collaborations_list()
            .list_group_collaborations(gid.as_str())
            .send()
            .await
            .unwrap());
        assert_eq!(gc["entries"][0]["id"], c["id"], "{gc}");
        assert_eq!(
            refused(
                bob_c
                    .collaborations_list()
                    .list_group_collaborations(gid.as_str())
                    .send()
                    .await
            )
            .0,
            403
        );

        // Leaving the group takes the access away (a member cannot remove others).
        let cat_mid = m_cat["id"].as_str().unwrap().to_string();
        assert_eq!(
            refused(
                ann_c
                    .group_memberships()
                    .remove_user_from_group(cat_mid.as_str())
                    .send()
                    .await
            )
            .0,
            403
        );
        admin
            .group_memberships()
            .remove_user_from_group(cat_mid.as_str())
            .send()
            .await
            .unwrap();
        assert!(!sees_folder(&cat_c, &shared).await);
        assert!(sees_folder(&ann_c, &shared).await);
        // A group admin manages members even under admins_only.
        let ann_mid = m_ann["id"].as_str().unwrap().to_string();
        let mut up = models::UpdateGroupMembershipBody::new();
        up.role = Some(serde_json::from_value(json!("admin")).unwrap());
        let m = js(admin
            .group_memberships()
            .update_group_membership(ann_mid.as_str())
            .body(up)
            .send()
            .await
            .unwrap());
        assert_eq!(m["role"], "admin", "{m}");
        let mut close = models::UpdateGroupBody::new();
        close.invitability_level = Some(level_i("admins_only"));
        admin
            .groups()
            .update_group(gid.as_str())
            .body(close)
            .send()
            .await
            .unwrap();
        add(&ann_c, &gid, &bob, None).await.unwrap();
        assert!(sees_folder(&bob_c, &shared).await);

        // Deleting the group ends every member's access and its collaborations.
        assert_eq!(
            refused(ann_c.groups().remove_group(gid.as_str()).send().await).0,
            403
        );
        admin
            .groups()
            .remove_group(gid.as_str())
            .send()
            .await
            .unwrap();
        assert!(!sees_folder(&ann_c, &shared).await);
        assert!(!sees_folder(&bob_c, &shared).await);
        assert_eq!(
            refused(
                admin
                    .collaborations()
                    .get_collaboration(c["id"].as_str().unwrap())
                    .send()
                    .await
            )
            .0,
            404
        );
    }

    #[tokio::test]
    async fn invitations_of_new_and_external_users_wait_for_acceptance() {
        let dir = tempfile::tempdir().unwrap();
        let emu = Emulator::builder()
            .data_dir(dir.path())
            .start()
            .await
            .unwrap();
        let admin = client(&emu, emu.default_token());
        let shared = folder(&admin, "Deal room").await;

        // A login that is no user yet: pending, with invite_email.
        let c = share(
            &admin,
            &shared,
            "user",
            None,
            Some("newbie@example.com"),
            "viewer",
        )
        .await
        .unwrap();
        assert_eq!(c["status"], "pending", "{c}");
        assert_eq!(c["invite_email"], "newbie@example.com", "{c}");
        assert!(c.get("accessible_by").is_none(), "{c}");
        let (newbie, newbie_c) = managed(&emu, &admin, "Newbie", "newbie@example.com").await;
        let pending = js(newbie_c
            .collaborations_list()
            .list_pending_collaborations("pending")
            .send()
            .await
            .unwrap());
        assert_eq!(pending["total_count"], 1, "{pending}");
        assert_eq!(
            pending["entries"][0]["accessible_by"]["id"],
            newbie.as_str(),
            "{pending}"
        );
        assert!(
            !sees_folder(&newbie_c, &shared).await,
            "pending gives no access"
        );

        // An external user (rolled out of the enterprise): pending too.
        let (ext, ext_c) = managed(&emu, &admin, "Outsider", "out@partner.example").await;
        let mut out = models::UpdateUserBody::new();
        out.extra.insert("enterprise".into(), Value::Null);
        admin
            .users()
            .update_user(ext.as_str())
            .body(out)
            .send()
            .await
            .unwrap();
        let e = share(&admin, &shared, "user", Some(&ext), None, "editor")
            .await
            .unwrap();
        assert_eq!(e["status"], "pending", "{e}");
        // A managed user is collaborated at once.
        let (_m, m_c) = managed(&emu, &admin, "Insider", "in@example.com").await;
        let i = share(&admin, &shared, "user", Some(&_m), None, "viewer")
            .await
            .unwrap();
        assert_eq!(i["status"], "accepted", "{i}");
        assert!(sees_folder(&m_c, &shared).await);

        // Restart: the invitations, the external flag and roles persist.
        drop(admin);
        emu.stop().await;
        let emu = Emulator::builder()
            .data_dir(dir.path())
            .start()
            .await
            .unwrap();
        let admin = client(&emu, emu.default_token());
        let newbie_c = client(&emu, &emu.developer_token(&newbie).unwrap());
        let ext_c = {
            drop(ext_c);
            client(&emu, &emu.developer_token(&ext).unwrap())
        };
        let me = js(admin
            .users()
            .get_current_user()
            .fields(["role"])
            .send()
            .await
            .unwrap());
        assert_eq!(me["role"], "admin");

        // Only the invitee answers; accepting gives access, rejecting does not.
        let mut accept = models::UpdateCollaborationBody::new();
        accept.status = Some(serde_json::from_value(json!("accepted")).unwrap());
        let cid = c["id"].as_str().unwrap().to_string();
        assert_eq!(
            refused(
                ext_c
                    .collaborations()
                    .update_collaboration(cid.as_str())
                    .body(accept.clone())
                    .send()
                    .await
            )
            .0,
            404
        );
        let done = js(newbie_c
            .collaborations()
            .update_collaboration(cid.as_str())
            .body(accept)
            .send()
            .await
            .unwrap());
        assert_eq!(done["status"], "accepted", "{done}");
        assert!(sees_folder(&newbie_c, &shared).await);
        let mut reject = models::UpdateCollaborationBody::new();
        reject.status = Some(serde_json::from_value(json!("rejected")).unwrap());
        let eid = e["id"].as_str().unwrap().to_string();
        let pend = js(ext_c
            .collaborations_list()
            .list_pending_collaborations("pending")
            .send()
            .await
            .unwrap());
        assert_eq!(pend["entries"][0]["id"], eid.as_str(), "{pend}");
        ext_c
            .collaborations()
            .update_collaboration(eid.as_str())
            .body(reject)
            .send()
            .await
            .unwrap();
        assert!(!sees_folder(&ext_c, &shared).await);
        let pend = js(ext_c
            .collaborations_list()
            .list_pending_collaborations("pending")
            .send()
            .await
            .unwrap());
        assert_eq!(pend["total_count"], 0, "{pend}");
    }

    #[tokio::test]
    async fn groups_and_memberships_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let emu = Emulator::builder()
            .data_dir(dir.path())
            .start()
            .await
            .unwrap();
        let admin = client(&emu, emu.default_token());
        let (ann, _) = managed(&emu, &admin, "Ann", "ann@example.com").await;
        let g = js(admin
            .groups()
            .create_group(models::CreateGroupBody::new("Keepers".into()))
            .send()
            .await
            .unwrap());
        let gid = g["id"].as_str().unwrap().to_string();
        add(&admin, &gid, &ann, Some("admin")).await.unwrap();
        let shared = folder(&admin, "Kept").await;
        share(&admin, &shared, "group", Some(&gid), None, "viewer")
            .await
            .unwrap();
        drop(admin);
        emu.stop().await;

        let emu = Emulator::builder()
            .data_dir(dir.path())
            .start()
            .await
            .unwrap();
        let admin = client(&emu, emu.default_token());
        let ann_c = client(&emu, &emu.developer_token(&ann).unwrap());
        let members = js(admin
            .group_memberships()
            .list_members_of_group(gid.as_str())
            .send()
            .await
            .unwrap());
        assert_eq!(members["entries"][0]["role"], "admin", "{members}");
        assert!(sees_folder(&ann_c, &shared).await);
        let gc = js(admin
            .collaborations_list()
            .list_group_collaborations(gid.as_str())
            .send()
            .await
            .unwrap());
        assert_eq!(gc["total_count"], 1, "{gc}");
    }
}
