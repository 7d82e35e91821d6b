"""Box's official Python SDK (boxsdk 10.x, module box_sdk_gen): the operations
the boxkit suite compares against. Usage: python bench_sdk.py '<json job>'.

Prints {"secs": ...}: the time of the operation alone (imports and client
construction excluded), like the boxkit workers.
"""

import json
import os
import shutil
import sys
import time

from box_sdk_gen import BaseUrls, BoxClient, BoxDeveloperTokenAuth


def main():
    job = json.loads(sys.argv[1])
    base = job["root"].rstrip("/")
    client = BoxClient(auth=BoxDeveloperTokenAuth(token=job["token"])).with_custom_base_urls(
        BaseUrls(base_url=base, upload_url=f"{base}/api", oauth_2_url=f"{base}/api/oauth2")
    )
    op = job["op"]
    t = time.perf_counter()
    if op == "upload":
        size = os.path.getsize(job["file"])
        with open(job["file"], "rb") as f:
            committed = client.chunked_uploads.upload_big_file(f, job["name"], size, job["folder"])
        took = time.perf_counter() - t
        if committed.size != size:
            sys.exit(f"uploaded {committed.size} bytes of {size}")
    elif op == "download":
        stream = client.downloads.download_file(job["file_id"])
        with open(job["dest"], "wb") as out:
            shutil.copyfileobj(stream, out, 1 << 20)
        took = time.perf_counter() - t
        os.remove(job["dest"])
    elif op == "list":
        n, marker = 0, None
        while True:
            page = client.folders.get_folder_items(job["folder"], usemarker=True, marker=marker, limit=1000)
            n += len(page.entries)
            marker = page.next_marker
            if not marker:
                break
        took = time.perf_counter() - t
        if n != job["expect"]:
            sys.exit(f"listed {n} items, expected {job['expect']}")
    else:
        sys.exit(f"unknown op {op}")
    print(json.dumps({"secs": took}))


if __name__ == "__main__":
    main()
