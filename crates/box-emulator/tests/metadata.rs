//! Metadata end to end through box-v2's generated typed methods: templates
//! (create, get by name and id, list, update operations, delete),
//! instances on files and folders (create, get, list, JSON-Patch update,
//! delete), `global.properties`, metadata queries (comparisons, AND/OR,
//! ILIKE, ordering, marker paging), across an owner, a viewer collaborator
//! and a stranger, and across a restart.

use box_emulator::Emulator;
use box_v2::generated::models::{
    CreateMetadataTemplateBody, MetadataQuery, UpdateMetadataInstanceOnFileBodyItem,
    UpdateMetadataTemplateBodyItem,
};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

mod support;
use support::{raw, sdk, status, upload};

fn typed<T: DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap()
}

fn map(v: Value) -> std::collections::BTreeMap<String, Value> {
    typed(v)
}

fn contract_template() -> CreateMetadataTemplateBody {
    typed(json!({
        "scope": "enterprise", "displayName": "Contract",
        "fields": [
            {"type": "string", "key": "customer", "displayName": "Customer"},
            {"type": "float", "key": "amount", "displayName": "Amount"},
            {"type": "date", "key": "signed", "displayName": "Signed"},
            {"type": "enum", "key": "stage", "displayName": "Stage",
             "options": [{"key": "draft"}, {"key": "final"}]},
        ]
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn templates_instances_and_queries_through_generated_methods() {
    let emu = Emulator::builder().start().await.unwrap();
    let token = emu.default_token().to_string();
    let (vi, vi_token) = emu.create_user("Vera Viewer", "vera@example.com").unwrap();
    let (_, st_token) = emu
        .create_user("Stan Stranger", "stan@example.com")
        .unwrap();
    let owner = sdk(&emu, &token);
    let viewer = sdk(&emu, &vi_token);
    let stranger = sdk(&emu, &st_token);

    // A template: created, read by name and by id, listed.
    let t = owner
        .metadata_templates()
        .create_metadata_template(contract_template())
        .send()
        .await
        .unwrap();
    let tv = serde_json::to_value(&t).unwrap();
    assert_eq!(tv["templateKey"], "contract");
    assert_eq!(tv["scope"], "enterprise_1");
    assert_eq!(tv["fields"].as_array().unwrap().len(), 4);
    let again = owner
        .metadata_templates()
        .create_metadata_template(contract_template())
        .send()
        .await;
    assert_eq!(status(again), 409);
    let by_name = owner
        .metadata_templates()
        .get_metadata_template_by_name("enterprise", "contract")
        .send()
        .await
        .unwrap();
    let by_id = owner
        .metadata_templates()
        .get_metadata_template_by_id(tv["id"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(by_name, by_id);
    let listed = owner
        .metadata_templates()
        .list_all_metadata_templates_for_enterprise()
        .send()
        .await
        .unwrap();
    assert_eq!(listed.entries.unwrap_or_default().len(), 1);
    let global = owner
        .metadata_templates()
        .list_all_global_metadata_templates()
        .send()
        .await
        .unwrap();
    let global = serde_json::to_value(global).unwrap();
    assert_eq!(global["entries"][0]["templateKey"], "properties");

    // Template operations: a new multiSelect field with options, reordered.
    let ops: Vec<UpdateMetadataTemplateBodyItem> = typed(json!([
        {"op": "addField", "data": {"type": "multiSelect", "key": "regions", "displayName": "Regions",
                                    "options": [{"key": "EU"}, {"key": "US"}]}},
        {"op": "addMultiSelectOption", "fieldKey": "regions", "data": {"key": "APAC"}},
        {"op": "editField", "fieldKey": "customer", "data": {"displayName": "Client"}},
        {"op": "reorderFields", "fieldKeys": ["regions", "customer", "amount", "signed", "stage"]},
    ]));
    let changed = owner
        .metadata_templates()
        .update_metadata_template("enterprise", "contract", ops)
        .send()
        .await
        .unwrap();
    let cv = serde_json::to_value(&changed).unwrap();
    assert_eq!(cv["fields"][0]["key"], "regions");
    assert_eq!(cv["fields"][0]["options"].as_array().unwrap().len(), 3);
    assert_eq!(cv["fields"][1]["displayName"], "Client");
    let bad: Vec<UpdateMetadataTemplateBodyItem> =
        typed(json!([{"op": "removeField", "fieldKey": "nope"}]));
    assert_eq!(
        status(
            owner
                .metadata_templates()
                .update_metadata_template("enterprise", "contract", bad)
                .send()
                .await
        ),
        400
    );

    // Files in a folder Vera can view.
    let folder = raw(
        &owner,
        Method::POST,
        "/folders",
        Some(json!({"name": "Contracts", "parent": {"id": "0"}})),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    raw(
        &owner,
        Method::POST,
        "/collaborations",
        Some(json!({"item": {"type": "folder", "id": folder},
               "accessible_by": {"type": "user", "id": vi.id.to_string()}, "role": "viewer"})),
    )
    .await;
    let rows = [
        ("a.pdf", "Acme Corp", 500.0, "2026-01-10T00:00:00Z", "final"),
        ("b.pdf", "Globex", 1500.0, "2026-02-10T00:00:00Z", "final"),
        (
            "c.pdf",
            "acme labs",
            2500.0,
            "2026-03-10T00:00:00Z",
            "draft",
        ),
        ("d.pdf", "Initech", 50.0, "2026-04-10T00:00:00Z", "draft"),
    ];
    let mut files = Vec::new();
    for (name, customer, amount, signed, stage) in rows {
        let id = upload(&emu, &token, &folder, name, b"x").await;
        let inst = owner
            .metadata_instances_files()
            .create_metadata_instance_on_file(id.as_str(), "enterprise", "contract")
            .body(map(
                json!({"customer": customer, "amount": amount, "signed": signed,
                             "stage": stage, "regions": ["EU"]}),
            ))
            .send()
            .await
            .unwrap();
        let iv = serde_json::to_value(&inst).unwrap();
        assert_eq!(iv["$parent"], format!("file_{id}"));
        assert_eq!(iv["customer"], customer);
        files.push(id);
    }
    // Validation, duplicates, permissions.
    let f0 = files[0].as_str();
    let dup = owner
        .metadata_instances_files()
        .create_metadata_instance_on_file(f0, "enterprise", "contract")
        .body(map(json!({})))
        .send()
        .await;
    assert_eq!(status(dup), 409);
    let extra = upload(&emu, &token, &folder, "e.pdf", b"x").await;
    for bad in [
        json!({"stage": "signed"}),
        json!({"amount": "lots"}),
        json!({"unknown": 1}),
    ] {
        let r = owner
            .metadata_instances_files()
            .create_metadata_instance_on_file(extra.as_str(), "enterprise", "contract")
            .body(map(bad))
            .send()
            .await;
        assert_eq!(status(r), 400);
    }
    let by_viewer = viewer
        .metadata_instances_files()
        .create_metadata_instance_on_file(extra.as_str(), "enterprise", "contract")
        .body(map(json!({"customer": "Vera"})))
        .send()
        .await;
    assert_eq!(status(by_viewer), 403);
    let seen = viewer
        .metadata_instances_files()
        .get_metadata_instance_on_file(f0, "enterprise", "contract")
        .send()
        .await
        .unwrap();
    assert_eq!(seen.can_edit, Some(false));
    assert_eq!(
        status(
            stranger
                .metadata_instances_files()
                .get_metadata_instance_on_file(f0, "enterprise", "contract")
                .send()
                .await
        ),
        404
    );
    assert_eq!(
        status(
            owner
                .metadata_instances_files()
                .get_metadata_instance_on_file(extra.as_str(), "enterprise", "contract")
                .send()
                .await
        ),
        404
    );

    // JSON-Patch: test then replace succeeds; a failing test changes nothing.
    let patch: Vec<UpdateMetadataInstanceOnFileBodyItem> = typed(json!([
        {"op": "test", "path": "/stage", "value": "final"},
        {"op": "replace", "path": "/amount", "value": 750},
        {"op": "add", "path": "/regions", "value": ["EU", "APAC"]},
    ]));
    let patched = owner
        .metadata_instances_files()
        .update_metadata_instance_on_file(f0, "enterprise", "contract", patch)
        .send()
        .await
        .unwrap();
    let pv = serde_json::to_value(&patched).unwrap();
    assert_eq!(pv["amount"], 750);
    assert_eq!(pv["$version"], 1);
    let failing: Vec<UpdateMetadataInstanceOnFileBodyItem> = typed(json!([
        {"op": "replace", "path": "/amount", "value": 1},
        {"op": "test", "path": "/stage", "value": "draft"},
    ]));
    assert_eq!(
        status(
            owner
                .metadata_instances_files()
                .update_metadata_instance_on_file(f0, "enterprise", "contract", failing)
                .send()
                .await
        ),
        400
    );
    let viewer_patch: Vec<UpdateMetadataInstanceOnFileBodyItem> =
        typed(json!([{"op": "remove", "path": "/amount"}]));
    assert_eq!(
        status(
            viewer
                .metadata_instances_files()
                .update_metadata_instance_on_file(f0, "enterprise", "contract", viewer_patch)
                .send()
                .await
        ),
        403
    );
    let now = owner
        .metadata_instances_files()
        .get_metadata_instance_on_file(f0, "enterprise", "contract")
        .send()
        .await
        .unwrap();
    assert_eq!(serde_json::to_value(&now).unwrap()["amount"], 750);

    // global.properties on a folder, free-form.
    owner
        .metadata_instances_folders()
        .create_metadata_instance_on_folder(folder.as_str(), "global", "properties")
        .body(map(json!({"team": "legal", "year": 2026})))
        .send()
        .await
        .unwrap();
    let on_folder = viewer
        .metadata_instances_folders()
        .list_metadata_instances_on_folder(folder.as_str())
        .send()
        .await
        .unwrap();
    // (The list's `Metadata` model keeps the `$` keys only.)
    let ov = serde_json::to_value(on_folder).unwrap();
    assert_eq!(ov["entries"][0]["$scope"], "global");
    assert_eq!(ov["entries"][0]["$template"], "properties");
    let props = viewer
        .metadata_instances_folders()
        .get_metadata_instance_on_folder(folder.as_str(), "global", "properties")
        .send()
        .await
        .unwrap();
    let pv = serde_json::to_value(props).unwrap();
    assert_eq!(pv["team"], "legal");
    assert_eq!(pv["year"], 2026);

    // Queries: comparisons with AND/OR and ILIKE, ordering, marker paging.
    let query = |q: Value| -> MetadataQuery { typed(q) };
    let ids = |r: &Value| -> Vec<String> {
        r["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_string())
            .collect()
    };
    let r = viewer
        .search()
        .query_files_folders_by_metadata(query(json!({
            "from": "enterprise_1.contract", "ancestor_folder_id": folder,
            "query": "(amount >= :min AND stage = :stage) OR customer ILIKE :name",
            "query_params": {"min": 700, "stage": "final", "name": "%LABS"},
            "order_by": [{"field_key": "amount", "direction": "desc"}],
            "fields": ["name", "metadata.enterprise_1.contract.amount"],
        })))
        .send()
        .await
        .unwrap();
    let rv = serde_json::to_value(&r).unwrap();
    assert_eq!(
        ids(&rv),
        [files[2].clone(), files[1].clone(), files[0].clone()]
    );
    assert_eq!(rv["entries"][0]["name"], "c.pdf");
    assert_eq!(
        rv["entries"][0]["metadata"]["enterprise_1"]["contract"]["amount"],
        2500.0
    );
    assert!(rv["entries"][0]["metadata"]["enterprise_1"]["contract"]
        .get("customer")
        .is_none());
    // Paging by marker through every instance, by signing date.
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let mut q = json!({"from": "enterprise_1.contract", "ancestor_folder_id": "0",
                           "order_by": [{"field_key": "signed", "direction": "asc"}], "limit": 3});
        if let Some(m) = &marker {
            q["marker"] = json!(m);
        }
        let page = owner
            .search()
            .query_files_folders_by_metadata(query(q))
            .send()
            .await
            .unwrap();
        let pv = serde_json::to_value(&page).unwrap();
        seen.extend(ids(&pv));
        match pv["next_marker"].as_str() {
            Some(m) => marker = Some(m.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, files);
    // The stranger finds nothing in a folder they cannot see; bad queries are 400s.
    let r = stranger
        .search()
        .query_files_folders_by_metadata(query(json!({
            "from": "enterprise_1.contract", "ancestor_folder_id": "0"})))
        .send()
        .await
        .unwrap();
    assert!(r.entries.unwrap_or_default().is_empty());
    for bad in [
        json!({"from": "enterprise_1.contract", "ancestor_folder_id": "0", "query": "amount > 5"}),
        json!({"from": "enterprise_1.contract", "ancestor_folder_id": "0", "query": "nope = :x",
               "query_params": {"x": 1}}),
        json!({"from": "enterprise_1.contract", "ancestor_folder_id": "0", "query": "amount > :missing"}),
    ] {
        let r = owner
            .search()
            .query_files_folders_by_metadata(query(bad))
            .send()
            .await;
        assert_eq!(status(r), 400);
    }
    let r = owner
        .search()
        .query_files_folders_by_metadata(query(json!({
            "from": "enterprise_1.nothing", "ancestor_folder_id": "0"})))
        .send()
        .await;
    assert_eq!(status(r), 404);

    // Removing an instance, then the template with the rest.
    owner
        .metadata_instances_files()
        .remove_metadata_instance_from_file(f0, "enterprise", "contract")
        .send()
        .await
        .unwrap();
    let left = owner
        .metadata_instances_files()
        .list_metadata_instances_on_file(f0)
        .send()
        .await
        .unwrap();
    assert!(left.entries.unwrap_or_default().is_empty());
    owner
        .metadata_templates()
        .remove_metadata_template("enterprise", "contract")
        .send()
        .await
        .unwrap();
    assert_eq!(
        status(
            owner
                .metadata_instances_files()
                .get_metadata_instance_on_file(files[1].as_str(), "enterprise", "contract")
                .send()
                .await
        ),
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    let token = emu.default_token().to_string();
    let owner = sdk(&emu, &token);
    owner
        .metadata_templates()
        .create_metadata_template(contract_template())
        .send()
        .await
        .unwrap();
    let file = upload(&emu, &token, "0", "kept.pdf", b"x").await;
    owner
        .metadata_instances_files()
        .create_metadata_instance_on_file(file.as_str(), "enterprise", "contract")
        .body(map(json!({"customer": "Kept Ltd", "amount": 3})))
        .send()
        .await
        .unwrap();
    emu.stop().await;

    let emu = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    let owner = sdk(&emu, &token);
    let inst = owner
        .metadata_instances_files()
        .get_metadata_instance_on_file(file.as_str(), "enterprise", "contract")
        .send()
        .await
        .unwrap();
    assert_eq!(serde_json::to_value(&inst).unwrap()["customer"], "Kept Ltd");
    let r = owner
        .search()
        .query_files_folders_by_metadata(typed(json!({
            "from": "enterprise_1.contract", "ancestor_folder_id": "0",
            "query": "amount = :a", "query_params": {"a": 3}})))
        .send()
        .await
        .unwrap();
    assert_eq!(r.entries.unwrap_or_default().len(), 1);
    emu.stop().await;
}
