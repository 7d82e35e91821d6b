"""Box's official Python SDK (boxsdk 10.x, module box_sdk_gen) against the emulator.

Usage: python official_python_sdk.py <emulator base url> <developer token>

Every step asserts on what the emulator answered; the script exits non-zero on
the first mismatch, printing what it saw.
"""

import hashlib
import io
import sys

from box_sdk_gen import (
    BaseUrls,
    BoxAPIError,
    BoxClient,
    BoxDeveloperTokenAuth,
    CreateFolderParent,
    UploadFileAttributes,
    UploadFileAttributesParentField,
)


def check(cond, what):
    if not cond:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def main():
    base, token = sys.argv[1].rstrip("/"), sys.argv[2]
    client = BoxClient(auth=BoxDeveloperTokenAuth(token=token)).with_custom_base_urls(
        BaseUrls(
            # The SDK appends /2.0 itself, as with Box's own hosts.
            base_url=base,
            upload_url=f"{base}/api",
            oauth_2_url=f"{base}/api/oauth2",
        )
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

    client.folders.delete_folder_by_id(folder.id, recursive=True)
    print("official Python SDK: all checks passed")


if __name__ == "__main__":
    main()
