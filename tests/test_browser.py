"""The web page in a real browser: headless Debian chromium driven by Playwright, against a real
server over the bundled sample reports plus one report carrying markup.

It never downloads a browser: it uses /usr/bin/chromium (``make test`` installs Debian's
package where it can) and skips, saying why, without it or without Playwright. Screenshots go
to build/screenshots/ for a person to look at.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from incidex.api import create_app
from incidex.ingest import ingest
from incidex.sources import iter_sources
from incidex.store import open_store

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "build" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")

# A report whose text and title hold markup: the page must show it as text and run nothing.
# Then two reports of one ambush, which ingest merges into one incident (for the split test).
EXTRA = [
    {
        "doc_id": "browser-markup",
        "url": "https://news.example.net/mali/gao-attack",
        "published": "2024-03-13",
        "title": "Gunmen kill six herders near Gao <script>alert(2)</script>",
        "text": "Gunmen on motorcycles killed six herders and wounded three others in an attack near Gao "
        "in northern Mali on Tuesday, local officials said. <script>alert(1)</script> No group claimed "
        "the attack.",
    },
    {
        "doc_id": "browser-niger-1",
        "url": "https://wire.example.com/niger/tillaberi-1",
        "published": "2024-04-03",
        "title": "Soldiers killed in ambush near Tillaberi",
        "text": "Suspected jihadists ambushed an army patrol near Tillaberi in western Niger on Tuesday, "
        "killing eight soldiers, the defence ministry said.",
    },
    {
        "doc_id": "browser-niger-2",
        "url": "https://daily.example.org/niger/tillaberi-ambush",
        "published": "2024-04-03",
        "title": "Eight soldiers die in Tillaberi attack",
        "text": "Eight Nigerien soldiers were killed on Tuesday when gunmen ambushed their patrol near the "
        "town of Tillaberi, the defence ministry said in a statement.",
    },
]

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: pip install -e '.[dev]'"
)
expect = sync_api.expect
if not CHROMIUM.exists():
    pytest.skip(
        f"no browser at {CHROMIUM}: install Debian's chromium (make test does, as root) to run the browser test",
        allow_module_level=True,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """uvicorn in a thread on a free port, over the database at ``db``."""

    def __init__(self, db: Path) -> None:
        import uvicorn

        app = create_app(str(db))
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", ws="none")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the test server did not start on port {self.port}")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=10) as resp:
            return json.load(resp)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    root = tmp_path_factory.mktemp("browser")
    extra = root / "extra.jsonl"
    extra.write_text("".join(json.dumps(d) + "\n" for d in EXTRA), encoding="utf-8")
    db = root / "browser.db"
    with open_store(db) as store:
        ingest(iter_sources([str(ROOT / "samples" / "reports.jsonl"), str(extra)]), store)
        token = store.create_token("browser-test")
    with Server(db) as server:
        yield server, token


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        # --no-sandbox: CI containers run as root, where chromium's sandbox cannot start.
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield b
        b.close()


class Watched:
    """A page whose console errors, uncaught exceptions and dialogs are collected."""

    def __init__(self, browser: Any, url: str) -> None:
        self.url = url
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.outside: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.on("request", self._request)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _request(self, request: Any) -> None:
        if request.url.startswith(("http:", "https:")) and not request.url.startswith(self.url):
            self.outside.append(request.url)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: str = "") -> Any:
        self.page.goto(self.url + path)
        if not path:
            self.page.wait_for_selector("body[data-ready=true]", timeout=15_000)
        return self.page

    def testid(self, name: str) -> Any:
        return self.page.get_by_test_id(name)

    def clean(self) -> None:
        assert not self.errors, f"console errors: {self.errors}"
        assert not self.dialogs, f"a dialog fired (markup ran as script?): {self.dialogs}"
        assert not self.outside, f"the page loaded from outside the server: {self.outside}"
        self.page.close()


@pytest.fixture
def watched(site: tuple[Server, str], browser: Any) -> Iterator[Watched]:
    w = Watched(browser, site[0].url)
    yield w
    w.clean()


def test_desk_shows_map_timeline_table_and_filters(site: tuple[Server, str], watched: Watched) -> None:
    server, _ = site
    everything = server.get("incidents?limit=1000")["items"]
    somali = [i for i in everything if i["country"] == "SO"]
    assert len(everything) > len(somali) > 0
    page = watched.open()
    placed = [i for i in everything if i["latitude"] is not None]
    assert watched.testid("map-marker").count() == len(placed)
    assert watched.testid("result-row").count() == len(everything)
    assert watched.testid("timeline-bar").count() > 0
    assert watched.testid("legend").get_by_text("Battles").count() == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "desk.png"), full_page=True)

    watched.testid("filter-country").fill("SO")
    watched.testid("filter-apply").click()
    rows = watched.testid("result-row")
    expect(rows).to_have_count(len(somali))
    assert {rows.nth(n).get_attribute("data-incident-id") for n in range(rows.count())} == {
        i["incident_id"] for i in somali
    }
    assert watched.testid("map-marker").count() == len(somali)

    watched.testid("filter-reset").click()
    expect(rows).to_have_count(len(everything))


def test_incident_evidence_markup_as_text_and_a_correction(
    site: tuple[Server, str], watched: Watched
) -> None:
    server, token = site
    (mali,) = server.get("incidents?country=ML")["items"]
    page = watched.open()
    page.locator(f"[data-testid=result-row][data-incident-id={mali['incident_id']}]").click()
    view = watched.testid("incident-view")
    view.wait_for(state="visible")
    assert watched.testid("incident-id").text_content() == mali["incident_id"]

    # Evidence: the killed figure's words are marked in the document text, named in the title.
    killed = watched.testid("report-text").locator("mark[data-fields~=killed]")
    killed.first.wait_for()
    assert "".join(killed.all_text_contents()) == "killed six herders"  # "herders" is target_type's too
    assert "killed" in (killed.first.get_attribute("title") or "")
    # Markup in the report shows as text and never becomes an element.
    assert "<script>alert(1)</script>" in watched.testid("report-text").text_content()
    assert "<script>alert(2)</script>" in watched.testid("report").locator("h4").text_content()
    assert view.locator("script").count() == 0

    # Without a token the API refuses, and the page says how to get one.
    watched.testid("edit-killed-low").fill("5")
    watched.testid("edit-killed-high").fill("7")
    watched.testid("edit-save").click()
    message = watched.testid("message")
    expect(message).to_have_class(re.compile(r"\berror\b"))
    expect(message).to_contain_text("token")
    # Chromium logs the refused request itself; that one is expected.
    watched.errors = [e for e in watched.errors if "status of 401" not in e]

    watched.testid("token-input").fill(token)
    watched.testid("token-save").click()
    watched.testid("edit-save").click()
    expect(watched.testid("field-killed")).to_contain_text("5–7")
    expect(watched.testid("reviews")).to_contain_text("killed: 6 → 5–7")
    stored = server.get(f"incidents/{mali['incident_id']}")
    assert (stored["killed"]["low"], stored["killed"]["high"]) == (5, 7)
    assert stored["reviews"][-1]["reviewer"] == "browser-test"
    # The list refreshed too.
    row = page.locator(f"[data-testid=result-row][data-incident-id={mali['incident_id']}]")
    expect(row.locator("td").nth(4)).to_have_text("5–7")
    page.screenshot(path=str(SHOTS / "incident.png"))


def _open_with_token(site: tuple[Server, str], watched: Watched, incident_id: str) -> Any:
    page = watched.open()
    page.evaluate("t => sessionStorage.setItem('incidex.token', t)", site[1])
    page.locator(f"[data-testid=result-row][data-incident-id={incident_id}]").click()
    expect(watched.testid("incident-id")).to_have_text(incident_id)
    return page


def test_split_a_report_out(site: tuple[Server, str], watched: Watched) -> None:
    server, _ = site
    (niger,) = server.get("incidents?country=NE")["items"]
    assert niger["n_reports"] == 2  # the two Tillaberi reports were merged on ingest
    _open_with_token(site, watched, niger["incident_id"])
    watched.testid("report").filter(has_text="Eight Nigerien soldiers").get_by_test_id("split-check").check()
    watched.testid("split-button").click()
    # The view moves to the new incident, holding the one report split off.
    expect(watched.testid("incident-id")).not_to_have_text(niger["incident_id"])
    expect(watched.testid("report")).to_have_count(1)
    new_id = watched.testid("incident-id").text_content()
    assert server.get(f"incidents/{new_id}")["n_reports"] == 1
    assert server.get(f"incidents/{niger['incident_id']}")["n_reports"] == 1
    expect(watched.testid("result-row")).to_have_count(len(server.get("incidents?limit=1000")["items"]))


def test_merge_another_incident_in(site: tuple[Server, str], watched: Watched) -> None:
    server, _ = site
    (iraq,) = server.get("incidents?country=IQ")["items"]
    (yemen,) = server.get("incidents?country=YE")["items"]
    _open_with_token(site, watched, iraq["incident_id"])
    watched.testid("merge-input").fill(yemen["incident_id"])
    watched.testid("merge-button").click()
    expect(watched.testid("report")).to_have_count(2)
    assert server.get(f"incidents/{iraq['incident_id']}")["n_reports"] == 2
    # The folded incident leaves the list.
    expect(
        watched.testid("result-row").and_(watched.page.locator(f"[data-incident-id={yemen['incident_id']}]"))
    ).to_have_count(0)


def test_not_an_incident_leaves_the_list(site: tuple[Server, str], watched: Watched) -> None:
    server, _ = site
    (colombia,) = server.get("incidents?country=CO")["items"]
    _open_with_token(site, watched, colombia["incident_id"])
    watched.testid("not-incident").click()
    expect(watched.testid("not-incident-flag")).to_be_visible()
    row = watched.page.locator(f"[data-testid=result-row][data-incident-id={colombia['incident_id']}]")
    expect(row).to_have_count(0)
    watched.testid("filter-include-not-incident").check()
    watched.testid("filter-apply").click()
    expect(row).to_have_class(re.compile(r"\bnot-incident\b"))


def test_docs_page_runs_offline(site: tuple[Server, str], watched: Watched) -> None:
    page = watched.open("docs")
    page.wait_for_selector(".opblock", timeout=15_000)
    assert page.locator(".opblock").filter(has_text="/incidents").count() >= 1
    page.locator(".opblock-summary").first.click()
    page.wait_for_selector(".opblock-body")
    # watched.clean(): no console errors (a CSP refusal is one), nothing fetched from outside.
