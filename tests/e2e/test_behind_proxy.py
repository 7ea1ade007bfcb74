"""The README's reverse-proxy lines, run in a real nginx in front of the app, in a real Chromium:
the app works through it (WebSockets included), and no other site can show it in a frame (#22.15)."""

from __future__ import annotations

import http.server
import re
import shutil
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest

pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -r requirements-dev.txt)"
)

from playwright.sync_api import expect

from tests.conftest import ROOT
from tests.e2e.conftest import RunningApp

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("nginx") is None, reason="nginx is not installed (apt-get install nginx-light)"
    ),
]


def readme_location_block() -> str:
    """The nginx `location` block of the README, as an IT person would copy it."""
    found = re.search(r"```nginx\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert found, "the README gives the nginx lines"
    return found.group(1)


@pytest.fixture(scope="module")
def proxy(app: RunningApp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from storage.redis_server import free_port

    folder = tmp_path_factory.mktemp("nginx")
    port = free_port()
    app_port = app.url.rsplit(":", 1)[1]
    location = readme_location_block().replace("127.0.0.1:8501", f"127.0.0.1:{app_port}")
    temp = " ".join(f"{what}_temp_path {folder / what};" for what in ("client_body", "proxy"))
    (folder / "nginx.conf").write_text(
        f"user root; daemon off; pid {folder / 'nginx.pid'}; error_log {folder / 'error.log'};\n"
        f"events {{}}\nhttp {{ access_log off; {temp}\n"
        f"  server {{ listen 127.0.0.1:{port};\n{location}\n  }}\n}}\n"
    )
    process = subprocess.Popen(["nginx", "-c", str(folder / "nginx.conf"), "-p", str(folder)])
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    break
        except OSError:
            time.sleep(0.2)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def other_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Another origin whose page frames whatever address it is given (?src=…)."""

    class Framing(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            src = self.path.split("src=", 1)[1] if "src=" in self.path else ""
            body = f'<html><body><iframe id="f" src="{src}" width="800" height="600"></iframe></body></html>'
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Framing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://localhost:{server.server_port}"  # localhost: another origin than 127.0.0.1
    server.shutdown()


def framed_shows_the_app(page, other_site: str, target: str) -> bool:
    page.goto(f"{other_site}/?src={target}/")
    frame = page.frame_locator("#f")
    try:
        expect(frame.get_by_role("heading", name="Teacher Printer").first).to_be_visible(timeout=15_000)
        return True
    except AssertionError:
        return False


def test_the_app_works_through_the_readmes_proxy_and_no_other_site_can_frame_it(
    page, app: RunningApp, proxy: str, other_site: str
):
    with urllib.request.urlopen(f"{proxy}/", timeout=10) as response:
        assert response.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    page.goto(f"{proxy}/")
    expect(page.get_by_test_id("stMain").get_by_role("heading", name="Teacher Printer")).to_be_visible()
    # The sidebar's health line comes over the WebSocket, through the proxy.
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Job service running")
    # Straight from Streamlit a page of another site can show it in a frame; through the proxy, not.
    assert framed_shows_the_app(page, other_site, app.url)
    assert not framed_shows_the_app(page, other_site, proxy)


def test_the_readmes_proxy_passes_an_upload_of_the_upload_limit():
    """`client_max_body_size` follows MAX_UPLOAD_MB's default (nginx's own is 1 MB)."""
    from storage.config import setting

    assert f"client_max_body_size {setting('MAX_UPLOAD_MB').default}m;" in readme_location_block()
