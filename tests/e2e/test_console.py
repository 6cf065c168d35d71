"""Given a woman reported by a Panamanian border post and a Colombian police unit, when an
investigator searches her name in the console (headless Chromium), then her entity page
shows her name, both countries, her network as a graph, her sightings on the timeline and
the map, and the page is really drawn (the screenshot is not blank)."""

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from producers import AlertPublisher
from tests.helpers import alert, place, resolved_person, run_surname, running_api, wait_for

CHROMIUM = Path("/usr/bin/chromium")  # Debian's; `make setup` installs it
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DAY = datetime(2026, 10, 20, 6, tzinfo=UTC)


@pytest.fixture(scope="module")
def console_url(
    client_env: dict[str, str], sink: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: run `make setup` (as root) or apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with running_api(client_env, tmp_path_factory.mktemp("api") / "api.log") as url:
        yield url


def _her(pa: str, co: str, digits: str, surname: str) -> list[dict[str, Any]]:
    phone = f"6{digits[:3]}-{digits[3:]}41"
    border = alert(
        pa,
        "PA",
        DAY,
        event={"kind": "BORDER_CROSSING", "location_ref": "l1"},
        persons=[
            {
                "record_id": "p1",
                "given_names": "Ana Lucía",
                "surnames": f"Ferreira {surname}",
                "date_of_birth": "1996-02-11",
            }
        ],
        phones=[{"record_id": "t1", "holder_ref": "p1", "number": phone}],
        vehicles=[
            {"record_id": "v1", "holder_ref": "p1", "plate": f"AB {digits}", "plate_country": "PA"}
        ],
        locations=[place("Guabito", "PA", 9.49, -82.61, "BORDER_POST")],
    )
    police = alert(
        co,
        "CO",
        DAY + timedelta(days=9),
        "SIGHTING",
        persons=[
            {
                "record_id": "p1",
                "full_name": f"FERREIRA {surname.upper()}, Ana Lucia",
                "name_order": "SURNAME_FIRST",
                "date_of_birth": "1996-02-11",
            }
        ],
        phones=[
            {"record_id": "t1", "holder_ref": "p1", "number": f"+507 {phone}", "country_hint": "PA"}
        ],
        accounts=[{"record_id": "a1", "holder_ref": "p1", "account_number": f"31{digits}"}],
        locations=[place("Medellín", "CO", 6.25, -75.56)],
    )
    return [border, police]


def test_an_investigator_finds_her_and_sees_her_network_and_route(
    config, agencies, worker, sink, es, run_id, console_url, tmp_path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    pa, co = agencies["PA"], agencies["CO"]
    digits = str(int(run_id, 16) % 100_000).zfill(5)
    surname = run_surname(run_id[2:])  # not the integration test's person's
    name = f"Ana Lucía Ferreira {surname}"
    border, police = _her(pa, co, digits, surname)
    for item in (border, police):
        with AlertPublisher(item["agency"], config) as publisher:
            publisher.publish(item)
    prefix = config.elasticsearch.index_prefix
    # Person, phone, vehicle, account: the four entities of her network.
    wait_for(
        lambda: resolved_person(es, prefix, border["alert_id"], agency=agencies["CO_CONSOLE"]),
        timeout_s=120,
        what="her network",
    )

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        page.goto(f"{console_url}/")
        page.fill("#agency", agencies["CO_CONSOLE"])
        page.dispatch_event("#agency", "change")  # remembered in localStorage
        page.fill("#case", f"CASE-{run_id}")
        page.fill("#query", f"ana lucia ferreira {surname}")
        page.click("#search button[type=submit]")
        first = page.locator("#results .result").first
        expect(first).to_contain_text(name)
        first.locator("a.entity-link").click()

        expect(page.locator("#entity-name")).not_to_be_empty()
        for spelling in (name, f"FERREIRA {surname.upper()}, Ana Lucia"):  # either is the title
            expect(page.locator("#entity")).to_contain_text(spelling)
        facts = page.locator("#entity-facts")
        expect(facts).to_contain_text("CO")
        expect(facts).to_contain_text("PA")
        expect(page.locator("#network-graph circle.node")).to_have_count(4)
        kinds = page.locator("#network-graph circle.node").evaluate_all(
            "ns => ns.map(n => n.dataset.kind).sort()"
        )
        assert kinds == ["ACCOUNT", "PERSON", "PHONE", "VEHICLE"]
        sightings = page.locator("#timeline li.sighting")
        expect(sightings).to_have_count(2)
        assert sightings.evaluate_all("ls => ls.map(l => l.dataset.country)") == ["PA", "CO"]
        expect(sightings.first).to_contain_text("Guabito")
        expect(page.locator("#sightings-map circle.sighting")).to_have_count(2)
        expect(page.locator("#links li").first).to_contain_text("same person")
        assert page.evaluate("localStorage.getItem('borderlink.agency')") == agencies["CO_CONSOLE"]

        shot = tmp_path / "entity.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()

    with Image.open(shot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert image.size[0] >= 1000 and colours is not None
    assert len(colours) > 50, "the screenshot is (nearly) blank"
    # No single colour covers the page: text, graph and map are drawn over the background.
    assert max(count for count, _ in colours) < 0.9 * image.size[0] * image.size[1]
