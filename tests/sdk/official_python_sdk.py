"""Box's official Python SDK (boxsdk 10.x, module box_sdk_gen) against the emulator.

Usage: python official_python_sdk.py <emulator base url> <developer token>

Every step asserts on what the emulator answered; the script exits non-zero on
the first mismatch, printing what it saw.
"""

import hashlib
import http.client
import http.server
import io
import json
import os
import sys
import threading
import time
import urllib.parse
import urllib.request

from box_sdk_gen import (
    CreateGroupInvitabilityLevel,
    CreateGroupMemberViewabilityLevel,
    CreateGroupMembershipGroup,
    CreateGroupMembershipRole,
    CreateGroupMembershipUser,
    GetCollaborationsStatus,
    UpdateCollaborationByIdStatus,
    UpdateGroupMembershipByIdRole,
    UpdateUserByIdRole,
    AddShareLinkToFileSharedLink,
    AddShareLinkToFileSharedLinkAccessField,
    AddShareLinkToWebLinkSharedLink,
    AddShareLinkToWebLinkSharedLinkAccessField,
    CreateFileMetadataByIdScope,
    CreateFolderMetadataByIdScope,
    CreateMetadataTemplateFields,
    CreateMetadataTemplateFieldsTypeField,
    CreateWebLinkParent,
    DeleteMetadataTemplateScope,
    GetMetadataTemplateScope,
    GetFileMetadataByIdScope,
    GetFolderMetadataByIdScope,
    SearchByMetadataQueryOrderBy,
    SearchByMetadataQueryOrderByDirectionField,
    UpdateFileMetadataByIdRequestBody,
    UpdateFileMetadataByIdRequestBodyOpField,
    UpdateFileMetadataByIdScope,
    BaseUrls,
    BoxAPIError,
    BoxCCGAuth,
    BoxClient,
    BoxDeveloperTokenAuth,
    BoxOAuth,
    CCGConfig,
    CopyFileParent,
    CreateCollaborationAccessibleBy,
    CreateCollaborationAccessibleByTypeField,
    CreateCollaborationItem,
    CreateCollaborationItemTypeField,
    CreateCollaborationRole,
    CreateCommentItem,
    CreateCommentItemTypeField,
    CreateFolderParent,
    CreateTaskAction,
    CreateTaskAssignmentAssignTo,
    CreateTaskAssignmentTask,
    CreateTaskAssignmentTaskTypeField,
    CreateTaskCompletionRule,
    CreateTaskItem,
    CreateTaskItemTypeField,
    CreateWebhookTarget,
    CreateWebhookTargetTypeField,
    CreateWebhookTriggers,
    GetAuthorizeUrlOptions,
    OAuthConfig,
    PreflightFileUploadCheckParent,
    UpdateFileByIdCollections,
    UpdateFileByIdParent,
    UpdateTaskAssignmentByIdResolutionState,
    UploadFileAttributes,
    UploadFileAttributesParentField,
    UploadFileVersionAttributes,
    WebhooksManager,
)
from box_sdk_gen.managers.zip_downloads import (
    CreateZipDownloadItems,
    CreateZipDownloadItemsTypeField,
    DownloadZipItems,
    DownloadZipItemsTypeField,
)


def check(cond, what):
    if not cond:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def base_urls(base):
    # The SDK appends /2.0 itself, as with Box's own hosts.
    return BaseUrls(base_url=base, upload_url=f"{base}/api", oauth_2_url=f"{base}/api/oauth2")


def admin(base, path, body, method="POST"):
    """Sends JSON to the emulator's admin API (not part of Box's API)."""
    req = urllib.request.Request(
        f"{base}/_emulator/{path}",
        data=json.dumps(body).encode(),
        headers={
            "content-type": "application/json",
            "x-box-emulator-admin-secret": os.environ["BOX_EMULATOR_ADMIN_SECRET"],
        },
        method=method,
    )
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read())


def expect_error(call, status, what, code=None):
    try:
        call()
    except BoxAPIError as e:
        got = (e.response_info.status_code, e.response_info.code)
        check(got[0] == status and (code is None or got[1] == code), f"{what} -> {got[0]} {got[1]}")
        return
    check(False, f"{what} must fail with {status}")


def main():
    base, token = sys.argv[1].rstrip("/"), sys.argv[2]
    client = BoxClient(auth=BoxDeveloperTokenAuth(token=token)).with_custom_base_urls(
        base_urls(base)
    )

    me = client.users.get_user_me()
    check(me.id and me.login, f"users.get_user_me -> {me.login}")

    folder = client.folders.create_folder("sdk-compat", CreateFolderParent(id="0"))
    check(folder.name == "sdk-compat" and folder.id, "folders.create_folder")

    try:
        client.folders.create_folder("SDK-COMPAT", CreateFolderParent(id="0"))
        check(False, "a duplicate folder name must fail")
    except BoxAPIError as e:
        status = e.response_info.status_code
        code = e.response_info.code
        check(status == 409 and code == "item_name_in_use", f"duplicate name -> {status} {code}")

    data = bytes(range(256)) * 1000
    uploaded = client.uploads.upload_file(
        UploadFileAttributes(name="data.bin", parent=UploadFileAttributesParentField(id=folder.id)),
        io.BytesIO(data),
    )
    f = uploaded.entries[0]
    check(f.size == len(data) and f.sha_1 == hashlib.sha1(data).hexdigest(), "uploads.upload_file")

    items = client.folders.get_folder_items(folder.id)
    check([e.name for e in items.entries] == ["data.bin"], "folders.get_folder_items")

    stream = client.downloads.download_file(f.id)
    got = stream.read()
    check(got == data, f"downloads.download_file ({len(got)} bytes)")

    renamed = client.files.update_file_by_id(f.id, name="renamed.bin", description="via the SDK")
    check(renamed.name == "renamed.bin", "files.update_file_by_id (rename)")
    info = client.files.get_file_by_id(f.id)
    check(info.description == "via the SDK", "files.get_file_by_id shows the description")

    big = bytes((i * 7) % 251 for i in range(300_000))
    committed = client.chunked_uploads.upload_big_file(
        io.BytesIO(big), "big.bin", len(big), folder.id
    )
    check(committed.size == len(big), "chunked_uploads.upload_big_file")
    check(client.downloads.download_file(committed.id).read() == big, "big file round trip")

    client.files.delete_file_by_id(f.id)
    trashed = client.trashed_files.get_trashed_file_by_id(f.id)
    check(trashed.item_status == "trashed", "files.delete_file_by_id moves to trash")
    try:
        client.files.get_file_by_id("987654321987")
        check(False, "a missing file must fail")
    except BoxAPIError as e:
        check(e.response_info.status_code == 404, "missing file -> 404")

    restored = client.trashed_files.restore_file_from_trash(f.id)
    check(restored.item_status == "active", "trashed_files.restore_file_from_trash")

    more_of_the_sdk(base, client, folder, restored, data)
    comments_tasks_collections_webhooks(base, client, folder, restored)
    web_links_and_metadata(base, client, folder, restored)
    zip_downloads(client, folder, restored)
    users_and_groups(base, client, folder)

    client.folders.delete_folder_by_id(folder.id, recursive=True)
    print("official Python SDK: all checks passed")


def more_of_the_sdk(base, client, folder, f, data):
    """Versions, preflight, copy, move, pagination, shared links,
    collaborations, search, events, and the OAuth 2 and client-credentials
    grants, each through the SDK's own calls."""
    v2 = b"second version" * 100
    client.uploads.upload_file_version(f.id, UploadFileVersionAttributes(name=f.name), io.BytesIO(v2))
    versions = client.file_versions.get_file_versions(f.id)
    check(len(versions.entries) == 1 and versions.entries[0].sha_1 == hashlib.sha1(data).hexdigest(),
          "uploads.upload_file_version keeps the old version (file_versions.get_file_versions)")
    check(client.downloads.download_file(f.id).read() == v2, "the new version downloads")

    expect_error(
        lambda: client.uploads.preflight_file_upload_check(
            name=f.name, size=10, parent=PreflightFileUploadCheckParent(id=folder.id)),
        409, "uploads.preflight_file_upload_check on a taken name", "item_name_in_use")
    ok = client.uploads.preflight_file_upload_check(
        name="free-name.bin", size=10, parent=PreflightFileUploadCheckParent(id=folder.id))
    check(ok.upload_url, "preflight on a free name gives an upload URL")

    sub = client.folders.create_folder("sub", CreateFolderParent(id=folder.id))
    copied = client.files.copy_file(f.id, CopyFileParent(id=sub.id), name="copied.bin")
    check(copied.name == "copied.bin" and copied.sha_1 == hashlib.sha1(v2).hexdigest(), "files.copy_file")
    moved = client.files.update_file_by_id(copied.id, parent=UpdateFileByIdParent(id=folder.id))
    check(moved.parent.id == folder.id, "files.update_file_by_id (move)")

    for i in range(5):
        client.uploads.upload_file(
            UploadFileAttributes(name=f"page-{i}.txt", parent=UploadFileAttributesParentField(id=folder.id)),
            io.BytesIO(b"x" * i),
        )
    seen, offset = [], 0
    while True:
        page = client.folders.get_folder_items(folder.id, offset=offset, limit=3)
        seen += [e.name for e in page.entries]
        offset += len(page.entries)
        if not page.entries or offset >= page.total_count:
            break
    everything = [e.name for e in client.folders.get_folder_items(folder.id, limit=1000).entries]
    check(seen == everything and len(seen) == page.total_count, f"offset pagination ({len(seen)} items)")
    seen, marker = [], None
    while True:
        page = client.folders.get_folder_items(folder.id, usemarker=True, marker=marker, limit=2)
        seen += [e.name for e in page.entries]
        marker = page.next_marker
        if not marker:
            break
    check(seen == everything, "marker pagination")

    # A second user, made through the emulator's admin API.
    other = admin(base, "users", {"name": "SDK Other", "login": "sdk-other@example.com"})
    other_client = BoxClient(auth=BoxDeveloperTokenAuth(token=other["access_token"])).with_custom_base_urls(
        base_urls(base))
    expect_error(lambda: other_client.files.get_file_by_id(f.id), 404, "another user cannot see the file")

    linked = client.shared_links_files.add_share_link_to_file(
        f.id, "shared_link",
        shared_link=AddShareLinkToFileSharedLink(access=AddShareLinkToFileSharedLinkAccessField.OPEN))
    url = linked.shared_link.url
    check(url, "shared_links_files.add_share_link_to_file")
    found = other_client.shared_links_files.find_file_for_shared_link(f"shared_link={url}")
    check(found.id == f.id, "shared_links_files.find_file_for_shared_link (BoxApi header)")

    collab = client.user_collaborations.create_collaboration(
        CreateCollaborationItem(type=CreateCollaborationItemTypeField.FOLDER, id=sub.id),
        CreateCollaborationAccessibleBy(type=CreateCollaborationAccessibleByTypeField.USER, id=other["id"]),
        CreateCollaborationRole.VIEWER,
    )
    check(collab.id, "user_collaborations.create_collaboration")
    shared_items = other_client.folders.get_folder_items(sub.id)
    check(shared_items.total_count == 0, "the collaborator lists the folder")
    client.uploads.upload_file(
        UploadFileAttributes(name="for-other.txt", parent=UploadFileAttributesParentField(id=sub.id)),
        io.BytesIO(b"hello other"),
    )
    shared_items = other_client.folders.get_folder_items(sub.id)
    check([e.name for e in shared_items.entries] == ["for-other.txt"], "the collaborator sees new files")

    hits = client.search.search_for_content(query="page-")
    check(sorted(e.name for e in hits.entries) == [f"page-{i}.txt" for i in range(5)], "search.search_for_content")

    now = client.events.get_events(stream_position="now")
    client.folders.create_folder("after-now", CreateFolderParent(id=folder.id))
    later = client.events.get_events(stream_position=str(now.next_stream_position))
    kinds = [(e.event_type, e.source.name if e.source else None) for e in later.entries]
    check(any(k[1] == "after-now" for k in kinds), f"events.get_events from a stream position ({kinds})")

    # OAuth 2: the SDK builds the authorize URL for Box's host; the same
    # query is sent to the emulator's authorize page, which approves at once.
    app = admin(base, "apps", {"redirect_uris": ["http://127.0.0.1:9/callback"]})
    oauth = BoxOAuth(OAuthConfig(client_id=app["client_id"], client_secret=app["client_secret"]))
    authorize = oauth.get_authorize_url(
        options=GetAuthorizeUrlOptions(redirect_uri="http://127.0.0.1:9/callback", state="xyz"))
    query = urllib.parse.urlsplit(authorize).query
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port)
    conn.request("GET", f"/api/oauth2/authorize?{query}")
    resp = conn.getresponse()
    location = resp.getheader("location") or ""
    conn.close()
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    check(resp.status in (302, 303) and params.get("state") == ["xyz"], "authorize redirects with code and state")
    oauth_client = BoxClient(auth=oauth).with_custom_base_urls(base_urls(base))
    oauth.get_tokens_authorization_code_grant(params["code"][0], network_session=oauth_client.network_session)
    check(oauth_client.users.get_user_me().id, "BoxOAuth: get_tokens_authorization_code_grant")
    oauth.refresh_token(network_session=oauth_client.network_session)
    check(oauth_client.users.get_user_me().id, "BoxOAuth: refresh_token (rotating refresh token)")

    ccg = BoxClient(auth=BoxCCGAuth(CCGConfig(
        client_id=app["client_id"], client_secret=app["client_secret"], user_id=other["id"]))).with_custom_base_urls(
        base_urls(base))
    check(ccg.users.get_user_me().id == other["id"], "BoxCCGAuth: client credentials as a user")
    enterprise = BoxClient(auth=BoxCCGAuth(CCGConfig(
        client_id=app["client_id"], client_secret=app["client_secret"], enterprise_id="1"))).with_custom_base_urls(
        base_urls(base))
    check(enterprise.users.get_user_me().id == app["service_user"], "BoxCCGAuth: the app's service account")
    bad = BoxClient(auth=BoxCCGAuth(CCGConfig(
        client_id=app["client_id"], client_secret="wrong", enterprise_id="1"))).with_custom_base_urls(
        base_urls(base))
    try:
        bad.users.get_user_me()
        check(False, "a wrong client secret must fail")
    except BoxAPIError as e:
        check(e.response_info.status_code in (400, 401), f"wrong client secret -> {e.response_info.status_code}")


class Receiver(http.server.BaseHTTPRequestHandler):
    """A local webhook receiver: keeps every notification."""

    got = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        Receiver.got.append(({k.lower(): v for k, v in self.headers.items()}, body.decode()))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def comments_tasks_collections_webhooks(base, client, folder, f):
    """Comments, tasks and assignments, Favorites, recent items and webhooks
    (verified with the SDK's own WebhooksManager.validate_message)."""
    other = admin(base, "users", {"name": "SDK Reviewer", "login": "sdk-reviewer@example.com"})
    reviewer = BoxClient(auth=BoxDeveloperTokenAuth(token=other["access_token"])).with_custom_base_urls(
        base_urls(base))
    client.user_collaborations.create_collaboration(
        CreateCollaborationItem(type=CreateCollaborationItemTypeField.FILE, id=f.id),
        CreateCollaborationAccessibleBy(type=CreateCollaborationAccessibleByTypeField.USER, id=other["id"]),
        CreateCollaborationRole.VIEWER,
    )

    # Webhooks first, so the changes below are notified.
    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = f"http://127.0.0.1:{server.server_address[1]}/hook"
    admin(base, "webhook_keys", {"primary": "sdk-primary", "secondary": "sdk-secondary"}, method="PUT")
    hook = client.webhooks.create_webhook(
        CreateWebhookTarget(id=f.id, type=CreateWebhookTargetTypeField.FILE),
        address,
        [CreateWebhookTriggers.COMMENT_CREATED, CreateWebhookTriggers.TASK_ASSIGNMENT_UPDATED],
    )
    check(hook.id and hook.address == address, "webhooks.create_webhook")
    check(any(w.id == hook.id for w in client.webhooks.get_webhooks().entries), "webhooks.get_webhooks")

    comment = client.comments.create_comment(
        "Please check the numbers", CreateCommentItem(id=f.id, type=CreateCommentItemTypeField.FILE))
    check(comment.id and comment.message == "Please check the numbers", "comments.create_comment")
    reply = reviewer.comments.create_comment(
        "Checked", CreateCommentItem(id=comment.id, type=CreateCommentItemTypeField.COMMENT),
        tagged_message=f"@[{other['id']}:Rev] Checked")
    check(reply.is_reply_comment, "a collaborator replies (comments.create_comment on a comment)")
    edited = reviewer.comments.update_comment_by_id(reply.id, message="Checked twice")
    check(edited.message == "Checked twice", "comments.update_comment_by_id")
    listed = client.comments.get_file_comments(f.id)
    check(listed.total_count == 2, "comments.get_file_comments")
    expect_error(lambda: client.comments.update_comment_by_id(reply.id, message="not mine"), 403,
                 "only the author edits a comment")

    task = client.tasks.create_task(
        CreateTaskItem(id=f.id, type=CreateTaskItemTypeField.FILE), action=CreateTaskAction.REVIEW,
        message="Approve?", completion_rule=CreateTaskCompletionRule.ALL_ASSIGNEES)
    check(task.id and not task.is_completed, "tasks.create_task")
    assignment = client.task_assignments.create_task_assignment(
        CreateTaskAssignmentTask(id=task.id, type=CreateTaskAssignmentTaskTypeField.TASK),
        CreateTaskAssignmentAssignTo(id=other["id"]))
    check(assignment.assigned_to.id == other["id"], "task_assignments.create_task_assignment")
    done = reviewer.task_assignments.update_task_assignment_by_id(
        assignment.id, resolution_state=UpdateTaskAssignmentByIdResolutionState.APPROVED, message="OK")
    check(done.resolution_state.value == "approved", "task_assignments.update_task_assignment_by_id")
    check(client.tasks.get_task_by_id(task.id).is_completed, "tasks.get_task_by_id: completed")
    check(client.tasks.get_file_tasks(f.id).total_count == 1, "tasks.get_file_tasks")
    check(client.task_assignments.get_task_assignments(task.id).total_count == 1,
          "task_assignments.get_task_assignments")

    favorites = client.collections.get_collections().entries[0]
    check(favorites.collection_type.value == "favorites", "collections.get_collections")
    client.files.update_file_by_id(f.id, collections=[UpdateFileByIdCollections(id=favorites.id)])
    items = client.collections.get_collection_items(favorites.id)
    check([e.id for e in items.entries] == [f.id], "files.update_file_by_id(collections) + get_collection_items")
    recent = reviewer.recent_items.get_recent_items()
    check(recent.entries and recent.entries[0].item.id == f.id, "recent_items.get_recent_items")

    for _ in range(100):
        if len(Receiver.got) >= 2:
            break
        time.sleep(0.05)
    triggers = sorted(json.loads(body)["trigger"] for _, body in Receiver.got)
    check(triggers == ["COMMENT.CREATED", "COMMENT.CREATED", "TASK_ASSIGNMENT.UPDATED"][:len(triggers)]
          and len(triggers) >= 2, f"the receiver got the notifications ({triggers})")
    for headers, body in Receiver.got:
        check(WebhooksManager.validate_message(body, headers, "sdk-primary", secondary_key="sdk-secondary"),
              "WebhooksManager.validate_message accepts the signature")
        check(not WebhooksManager.validate_message(body, headers, "wrong-key"),
              "WebhooksManager.validate_message refuses a wrong key")
    client.webhooks.delete_webhook_by_id(hook.id)
    server.shutdown()

    client.comments.delete_comment_by_id(comment.id)
    check(client.comments.get_file_comments(f.id).total_count == 0, "comments.delete_comment_by_id (with replies)")
    client.tasks.delete_task_by_id(task.id)
    check(client.tasks.get_file_tasks(f.id).total_count == 0, "tasks.delete_task_by_id")


def web_links_and_metadata(base, client, folder, f):
    """Web links (with a shared link, the trash) and metadata: a template,
    an instance with a JSON-Patch update, global.properties, and a query."""
    link = client.web_links.create_web_link(
        "https://example.com/sdk", CreateWebLinkParent(id=folder.id), name="SDK link")
    check(link.id and link.url == "https://example.com/sdk", "web_links.create_web_link")
    check(client.web_links.get_web_link_by_id(link.id).name == "SDK link", "web_links.get_web_link_by_id")
    moved = client.web_links.update_web_link_by_id(link.id, url="https://example.com/sdk/2", name="SDK link 2")
    check(moved.url == "https://example.com/sdk/2" and moved.name == "SDK link 2", "web_links.update_web_link_by_id")
    shared = client.shared_links_web_links.add_share_link_to_web_link(
        link.id, "shared_link",
        shared_link=AddShareLinkToWebLinkSharedLink(access=AddShareLinkToWebLinkSharedLinkAccessField.OPEN))
    url = shared.shared_link.url
    found = client.shared_links_web_links.find_web_link_for_shared_link(f"shared_link={url}")
    check(found.id == link.id, "shared_links_web_links.find_web_link_for_shared_link")
    client.web_links.delete_web_link_by_id(link.id)
    check(client.trashed_web_links.get_trashed_web_link_by_id(link.id).id == link.id,
          "web_links.delete_web_link_by_id + trashed_web_links.get_trashed_web_link_by_id")
    restored = client.trashed_web_links.restore_weblink_from_trash(link.id)
    check(restored.item_status.value == "active", "trashed_web_links.restore_weblink_from_trash")

    template = client.metadata_templates.create_metadata_template(
        "enterprise", "SDK Invoice", template_key="sdkInvoice",
        fields=[
            CreateMetadataTemplateFields(type=CreateMetadataTemplateFieldsTypeField.STRING, key="vendor",
                                         display_name="Vendor"),
            CreateMetadataTemplateFields(type=CreateMetadataTemplateFieldsTypeField.FLOAT, key="total",
                                         display_name="Total"),
        ])
    check(template.template_key == "sdkInvoice" and len(template.fields) == 2,
          "metadata_templates.create_metadata_template")
    check(client.metadata_templates.get_metadata_template(GetMetadataTemplateScope.ENTERPRISE, "sdkInvoice").id == template.id,
          "metadata_templates.get_metadata_template")
    inst = client.file_metadata.create_file_metadata_by_id(
        f.id, CreateFileMetadataByIdScope.ENTERPRISE, "sdkInvoice", {"vendor": "Acme", "total": 10})
    check(inst.extra_data.get("vendor") == "Acme", "file_metadata.create_file_metadata_by_id")
    expect_error(lambda: client.file_metadata.create_file_metadata_by_id(
        f.id, CreateFileMetadataByIdScope.ENTERPRISE, "sdkInvoice", {}), 409, "a second instance",
        "tuple_already_exists")
    client.file_metadata.update_file_metadata_by_id(
        f.id, UpdateFileMetadataByIdScope.ENTERPRISE, "sdkInvoice",
        [UpdateFileMetadataByIdRequestBody(op=UpdateFileMetadataByIdRequestBodyOpField.REPLACE, path="/total",
                                           value=20)])
    got = client.file_metadata.get_file_metadata_by_id(f.id, GetFileMetadataByIdScope.ENTERPRISE, "sdkInvoice")
    check(got.extra_data.get("total") == 20, "file_metadata.update_file_metadata_by_id (JSON Patch)")
    client.folder_metadata.create_folder_metadata_by_id(
        folder.id, CreateFolderMetadataByIdScope.GLOBAL, "properties", {"team": "sdk"})
    props = client.folder_metadata.get_folder_metadata_by_id(folder.id, GetFolderMetadataByIdScope.GLOBAL,
                                                             "properties")
    check(props.extra_data.get("team") == "sdk", "folder_metadata: global.properties")
    hits = client.search.search_by_metadata_query(
        "enterprise_1.sdkInvoice", "0", query="total >= :min AND vendor ILIKE :v",
        query_params={"min": 15, "v": "ac%"},
        order_by=[SearchByMetadataQueryOrderBy(field_key="total",
                                               direction=SearchByMetadataQueryOrderByDirectionField.DESC)])
    check([e.id for e in hits.entries] == [f.id], "search.search_by_metadata_query")
    client.metadata_templates.delete_metadata_template(DeleteMetadataTemplateScope.ENTERPRISE, "sdkInvoice")
    expect_error(lambda: client.file_metadata.get_file_metadata_by_id(
        f.id, GetFileMetadataByIdScope.ENTERPRISE, "sdkInvoice"), 404, "instances go with their template")

def zip_downloads(client, folder, f):
    """Zip downloads: the SDK's one-call download_zip, and create + status."""
    import zipfile

    # The file as it is now (earlier steps renamed it and added versions).
    f = client.files.get_file_by_id(f.id)
    data = client.downloads.download_file(f.id).read()

    items = [
        DownloadZipItems(type=DownloadZipItemsTypeField.FILE, id=f.id),
        DownloadZipItems(type=DownloadZipItemsTypeField.FOLDER, id=folder.id),
    ]
    stream = client.zip_downloads.download_zip(items, download_file_name="sdk")
    archive = zipfile.ZipFile(io.BytesIO(stream.read()))
    names = archive.namelist()
    check(archive.testzip() is None and f"sdk-compat/{f.name}" in names and f.name in names,
          f"zip_downloads.download_zip ({len(names)} entries)")
    check(archive.read(f.name) == data, "zip_downloads.download_zip: a file's bytes")
    created = client.zip_downloads.create_zip_download(
        [CreateZipDownloadItems(type=CreateZipDownloadItemsTypeField.FILE, id=f.id)]
    )
    got = client.zip_downloads.get_zip_download_content(created.download_url).read()
    check(zipfile.ZipFile(io.BytesIO(got)).read(f.name) == data, "zip_downloads.get_zip_download_content")
    status = client.zip_downloads.get_zip_download_status(created.status_url)
    check(status.total_file_count == 1 and status.downloaded_file_count == 1
          and status.state.value == "succeeded", "zip_downloads.get_zip_download_status")



def users_and_groups(base, client, folder):
    """Enterprise users (the default user is the admin), As-User, groups,
    memberships, a group collaboration and a pending one."""
    me = client.users.get_user_me(fields=["role", "enterprise"])
    check(me.role == "admin" and me.enterprise and me.enterprise.id, f"users.get_user_me: role {me.role}")
    ann = client.users.create_user("SDK Ann", login="sdk-ann@example.com", job_title="Engineer")
    check(ann.id and ann.login == "sdk-ann@example.com", "users.create_user (managed)")
    robot = client.users.create_user("SDK Robot", is_platform_access_only=True)
    check(robot.login.endswith("@boxdevedition.com"), f"users.create_user (app user {robot.login})")
    found = client.users.get_users(filter_term="sdk-ann")
    check([u.id for u in found.entries] == [ann.id], "users.get_users filter_term")
    page = client.users.get_users(usemarker=True, limit=1)
    check(len(page.entries) == 1 and page.next_marker, "users.get_users marker paging")
    updated = client.users.update_user_by_id(ann.id, role=UpdateUserByIdRole.COADMIN, phone="555-0100")
    check(updated.phone == "555-0100", "users.update_user_by_id")
    check(client.users.get_user_by_id(ann.id, fields=["role"]).role == "coadmin", "users.get_user_by_id role")
    client.users.update_user_by_id(ann.id, role=UpdateUserByIdRole.USER)
    as_ann = client.with_as_user_header(ann.id)
    check(as_ann.users.get_user_me().id == ann.id, "As-User: the admin acts as the user")
    expect_error(lambda: as_ann.users.get_users(), 403, "a managed user cannot list users",
                 "access_denied_insufficient_permissions")
    ann_token = admin(base, f"users/{ann.id}/tokens", {})["access_token"]
    ann_own = BoxClient(auth=BoxDeveloperTokenAuth(token=ann_token)).with_custom_base_urls(base_urls(base))
    expect_error(lambda: ann_own.with_as_user_header(robot.id).users.get_user_me(), 403,
                 "As-User from a managed user's token", "access_denied_insufficient_permissions")

    group = client.groups.create_group(
        "SDK Group", description="via the SDK",
        invitability_level=CreateGroupInvitabilityLevel.ADMINS_ONLY,
        member_viewability_level=CreateGroupMemberViewabilityLevel.ADMINS_AND_MEMBERS)
    check(group.id and group.invitability_level == "admins_only", "groups.create_group")
    check([g.id for g in client.groups.get_groups(filter_term="SDK").entries] == [group.id], "groups.get_groups")
    expect_error(lambda: as_ann.groups.create_group("Not mine"), 403, "a managed user cannot create groups")
    membership = client.memberships.create_group_membership(
        CreateGroupMembershipUser(id=ann.id), CreateGroupMembershipGroup(id=group.id),
        role=CreateGroupMembershipRole.MEMBER)
    check(membership.role == "member" and membership.user.id == ann.id, "memberships.create_group_membership")
    members = as_ann.memberships.get_group_memberships(group.id)
    check([m.user.id for m in members.entries] == [ann.id], "memberships.get_group_memberships (member view)")
    mine = as_ann.memberships.get_user_memberships(ann.id)
    check([m.group.id for m in mine.entries] == [group.id], "memberships.get_user_memberships")
    raised = client.memberships.update_group_membership_by_id(membership.id, role=UpdateGroupMembershipByIdRole.ADMIN)
    check(raised.role == "admin", "memberships.update_group_membership_by_id")
    check(client.memberships.get_group_membership_by_id(membership.id).role == "admin",
          "memberships.get_group_membership_by_id")

    room = client.folders.create_folder("group-room", CreateFolderParent(id=folder.id))
    expect_error(lambda: as_ann.folders.get_folder_by_id(room.id), 404, "not shared yet")
    collab = client.user_collaborations.create_collaboration(
        CreateCollaborationItem(type=CreateCollaborationItemTypeField.FOLDER, id=room.id),
        CreateCollaborationAccessibleBy(type=CreateCollaborationAccessibleByTypeField.GROUP, id=group.id),
        CreateCollaborationRole.EDITOR,
    )
    check(collab.accessible_by.id == group.id, "user_collaborations.create_collaboration (group)")
    check(as_ann.folders.get_folder_by_id(room.id).id == room.id, "a group member sees the group's folder")
    listed = client.list_collaborations.get_group_collaborations(group.id)
    check([c.id for c in listed.entries] == [collab.id], "list_collaborations.get_group_collaborations")
    client.memberships.delete_group_membership_by_id(membership.id)
    expect_error(lambda: as_ann.folders.get_folder_by_id(room.id), 404, "leaving the group ends the access")

    invite = client.user_collaborations.create_collaboration(
        CreateCollaborationItem(type=CreateCollaborationItemTypeField.FOLDER, id=room.id),
        CreateCollaborationAccessibleBy(type=CreateCollaborationAccessibleByTypeField.USER,
                                        login="sdk-later@example.com"),
        CreateCollaborationRole.VIEWER,
    )
    check(invite.status == "pending" and invite.invite_email == "sdk-later@example.com",
          "a login that is no user yet is invited (pending)")
    later = client.users.create_user("SDK Later", login="sdk-later@example.com")
    as_later = client.with_as_user_header(later.id)
    pending = as_later.list_collaborations.get_collaborations(GetCollaborationsStatus.PENDING)
    check([c.id for c in pending.entries] == [invite.id], "list_collaborations.get_collaborations(pending)")
    accepted = as_later.user_collaborations.update_collaboration_by_id(
        invite.id, status=UpdateCollaborationByIdStatus.ACCEPTED)
    check(accepted.status == "accepted", "the invitee accepts")
    check(as_later.folders.get_folder_by_id(room.id).id == room.id, "an accepted invitation gives access")

    client.groups.delete_group_by_id(group.id)
    expect_error(lambda: client.groups.get_group_by_id(group.id), 404, "groups.delete_group_by_id")
    client.users.delete_user_by_id(robot.id, force=True)
    expect_error(lambda: client.users.get_user_by_id(robot.id), 404, "users.delete_user_by_id")


if __name__ == "__main__":
    main()
